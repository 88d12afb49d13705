"""linkgraph: an open, self-hosted backlink index (Scrapy + Redis frontier + ClickHouse)."""

__version__ = "0.1.0"
