-- Authority scores, one snapshot per `linkgraph authority` run (crawler/analysis/authority.py).
-- rank is 1-based by pagerank descending, ties by key; harmonic is exact up to 20,000 nodes
-- per level, HyperBall's estimate beyond. Plain types and MergeTree only, so the same text
-- runs on clickhouse-server 18.16 and chDB 26.x. Read the latest run with
-- WHERE computed_at = (SELECT max(computed_at) FROM page_authority).

CREATE TABLE IF NOT EXISTS page_authority
(
    url String,
    pagerank Float64,
    harmonic Float64,
    rank UInt32,
    computed_at DateTime
)
ENGINE = MergeTree
ORDER BY url;

CREATE TABLE IF NOT EXISTS host_authority
(
    host String,
    pagerank Float64,
    harmonic Float64,
    rank UInt32,
    computed_at DateTime
)
ENGINE = MergeTree
ORDER BY host;

CREATE TABLE IF NOT EXISTS domain_authority
(
    domain String,
    pagerank Float64,
    harmonic Float64,
    rank UInt32,
    computed_at DateTime
)
ENGINE = MergeTree
ORDER BY domain;
