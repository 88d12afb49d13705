-- One row per `linkgraph authority` run and level: the run's lowest and highest PageRank, the
-- bounds its 0-100 authority scale maps (fragments/authority_scores.sql). Readers took them
-- from a GROUP BY computed_at over the whole level table on every query: page_authority holds
-- a row per page per run (2M per run at 100M links), a fixed cost of every first page
-- (issue 17). The job writes these rows after every score of the run: a run is published by
-- its rows here, so a reader never sees a run half written (a job killed midway leaves scores
-- no reader picks).
-- level: the table, page_authority / host_authority / domain_authority. ReplacingMergeTree: a
-- run's row written twice (the backfill below beside the job) is the same row.

CREATE TABLE IF NOT EXISTS authority_runs
(
    level LowCardinality(String),
    computed_at DateTime('UTC'),
    lowest Float64,
    highest Float64,
    scored UInt64
)
ENGINE = ReplacingMergeTree
ORDER BY (level, computed_at);

INSERT INTO authority_runs
SELECT 'page_authority', computed_at, min(pagerank), max(pagerank), count()
FROM page_authority
GROUP BY computed_at;

INSERT INTO authority_runs
SELECT 'host_authority', computed_at, min(pagerank), max(pagerank), count()
FROM host_authority
GROUP BY computed_at;

INSERT INTO authority_runs
SELECT 'domain_authority', computed_at, min(pagerank), max(pagerank), count()
FROM domain_authority
GROUP BY computed_at;
