-- Authority scores (`linkgraph authority`, crawler/analysis/authority.py), the one definition of
-- these tables: a store that predates this migration gets it through `migrate` like any other
-- (`linkgraph authority` and the report queries that read the scores migrate first).
-- trustrank is 0 unless the run had --trust-seeds. One snapshot per run, all rows
-- of a run share computed_at; read the latest with
-- WHERE computed_at = (SELECT max(computed_at) FROM domain_authority).
-- rank is 1-based by pagerank descending, ties by key. Plain types and MergeTree: runs
-- unchanged on clickhouse-server 18.16 and chDB 26.x.

CREATE TABLE IF NOT EXISTS page_authority
(
    url String,
    pagerank Float64,
    harmonic Float64,
    rank UInt32,
    computed_at DateTime,
    trustrank Float64 DEFAULT 0
)
ENGINE = MergeTree
ORDER BY url;

CREATE TABLE IF NOT EXISTS host_authority
(
    host String,
    pagerank Float64,
    harmonic Float64,
    rank UInt32,
    computed_at DateTime,
    trustrank Float64 DEFAULT 0
)
ENGINE = MergeTree
ORDER BY host;

CREATE TABLE IF NOT EXISTS domain_authority
(
    domain String,
    pagerank Float64,
    harmonic Float64,
    rank UInt32,
    computed_at DateTime,
    trustrank Float64 DEFAULT 0
)
ENGINE = MergeTree
ORDER BY domain;
