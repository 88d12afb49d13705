"""Signals between linkgraph's Scrapy components.

`records_durable` is sent by the sink (pipelines/sink.py) with ``items=list[Fetched]`` once those
items' records are in ClickHouse or the local spool; the frontier scheduler acknowledges their
leases and queues their follow-up entries on it. That ordering is the at-least-once promise.
"""

records_durable = object()
