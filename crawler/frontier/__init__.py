"""The Redis frontier: queue (lease/ack), seen set, per-host politeness, robots.txt cache."""

from crawler.frontier.queue import Frontier, Lease, current_crawl

__all__ = ["Frontier", "Lease", "current_crawl"]
