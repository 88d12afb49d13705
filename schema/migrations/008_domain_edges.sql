-- The domain graph kept by a materialized view: one row per (dst_domain, src_domain) edge
-- (self-links excluded), aggregated on every insert into link_fetches, so "who refers to this
-- domain" and "whom does this domain link to" read a table with one row per domain pair instead
-- of every link occurrence of every fetch.
--
-- Idempotent under re-delivery: links are counted as sets of cityHash64(src_url, dst_url)
-- (uniqExact: a set does not grow when a fetch comes again), seen times as min/max, so a fetch
-- inserted twice, before or after merges, changes nothing. The backfill below is safe on a store
-- that already holds links, and harmless when it runs twice or overlaps the view's own inserts.
-- Counts are of links ever seen (history), exact up to 64-bit hash collisions. The cost, about a
-- third more CPU per ingested row, is measured in bench/RESULTS.md.
--
-- Replaces 006's plain views of the same names (those aggregated link_fetches when read); their
-- page counts (pages_linked, src_pages, dst_pages) are gone: a set per count is what an insert
-- pays for, and the named query `refdomains` gives pages_linked for current links.

DROP TABLE IF EXISTS referring_domains;
DROP TABLE IF EXISTS domain_graph;

CREATE TABLE IF NOT EXISTS domain_edges
(
    dst_domain LowCardinality(String),
    src_domain LowCardinality(String),
    links_state AggregateFunction(uniqExact, UInt64),
    dofollow_links_state AggregateFunction(uniqExactIf, UInt64, UInt8),
    first_seen_state AggregateFunction(min, DateTime('UTC')),
    last_seen_state AggregateFunction(max, DateTime('UTC'))
)
ENGINE = AggregatingMergeTree
ORDER BY (dst_domain, src_domain);

CREATE MATERIALIZED VIEW IF NOT EXISTS domain_edges_mv TO domain_edges AS
SELECT
    dst_domain, src_domain,
    uniqExactState(cityHash64(src_url, dst_url)) AS links_state,
    uniqExactIfState(cityHash64(src_url, dst_url),
                     nofollow = 0 AND ugc = 0 AND sponsored = 0 AND page_nofollow = 0)
        AS dofollow_links_state,
    minState(fetched_at) AS first_seen_state,
    maxState(fetched_at) AS last_seen_state
FROM link_fetches
WHERE src_domain != dst_domain
GROUP BY dst_domain, src_domain;

INSERT INTO domain_edges
SELECT
    dst_domain, src_domain,
    uniqExactState(cityHash64(src_url, dst_url)),
    uniqExactIfState(cityHash64(src_url, dst_url),
                     nofollow = 0 AND ugc = 0 AND sponsored = 0 AND page_nofollow = 0),
    minState(fetched_at), maxState(fetched_at)
FROM link_fetches
WHERE src_domain != dst_domain
GROUP BY dst_domain, src_domain;

-- Per (dst_domain, src_domain): links (distinct (src_url, dst_url) pairs ever seen),
-- dofollow_links (of those, any occurrence without nofollow/ugc/sponsored on a page not saying
-- nofollow), first_seen, last_seen. Filtered on dst_domain it reads one range of domain_edges.
CREATE VIEW IF NOT EXISTS referring_domains AS
SELECT
    dst_domain, src_domain,
    uniqExactMerge(links_state) AS links,
    uniqExactIfMerge(dofollow_links_state) AS dofollow_links,
    minMerge(first_seen_state) AS first_seen,
    maxMerge(last_seen_state) AS last_seen
FROM domain_edges
GROUP BY dst_domain, src_domain;

-- The same edges from the linking side (e.g. for authority scores).
CREATE VIEW IF NOT EXISTS domain_graph AS
SELECT
    src_domain, dst_domain,
    uniqExactMerge(links_state) AS links,
    uniqExactIfMerge(dofollow_links_state) AS dofollow_links,
    minMerge(first_seen_state) AS first_seen,
    maxMerge(last_seen_state) AS last_seen
FROM domain_edges
GROUP BY src_domain, dst_domain;
