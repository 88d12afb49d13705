-- Domain-level rollups kept by materialized views on link_fetches (self-links excluded):
-- refdomain_stats, ordered for "who refers to this domain", and domain_edges, ordered for
-- "whom does this domain link to" (the domain graph, e.g. for authority scores).
-- Counts are over links ever seen (distinct (src_url, dst_url) pairs), with uniq: exact for
-- small sets, approximate (about 1%) beyond tens of thousands; named queries give exact,
-- current-state counts.

CREATE TABLE IF NOT EXISTS refdomain_stats
(
    dst_domain LowCardinality(String),
    src_domain LowCardinality(String),
    links_state AggregateFunction(uniq, String, String),
    dofollow_links_state AggregateFunction(uniqIf, String, String, UInt8),
    pages_linked_state AggregateFunction(uniq, String),
    first_seen_state AggregateFunction(min, DateTime('UTC')),
    last_seen_state AggregateFunction(max, DateTime('UTC'))
)
ENGINE = AggregatingMergeTree
ORDER BY (dst_domain, src_domain);

CREATE MATERIALIZED VIEW IF NOT EXISTS refdomain_stats_mv TO refdomain_stats AS
SELECT
    dst_domain, src_domain,
    uniqState(src_url, dst_url) AS links_state,
    uniqIfState(src_url, dst_url, nofollow = 0 AND ugc = 0 AND sponsored = 0 AND page_nofollow = 0)
        AS dofollow_links_state,
    uniqState(dst_url) AS pages_linked_state,
    minState(fetched_at) AS first_seen_state,
    maxState(fetched_at) AS last_seen_state
FROM link_fetches
WHERE src_domain != dst_domain
GROUP BY dst_domain, src_domain;

CREATE TABLE IF NOT EXISTS domain_edges
(
    src_domain LowCardinality(String),
    dst_domain LowCardinality(String),
    links_state AggregateFunction(uniq, String, String),
    dofollow_links_state AggregateFunction(uniqIf, String, String, UInt8),
    src_pages_state AggregateFunction(uniq, String),
    dst_pages_state AggregateFunction(uniq, String),
    first_seen_state AggregateFunction(min, DateTime('UTC')),
    last_seen_state AggregateFunction(max, DateTime('UTC'))
)
ENGINE = AggregatingMergeTree
ORDER BY (src_domain, dst_domain);

CREATE MATERIALIZED VIEW IF NOT EXISTS domain_edges_mv TO domain_edges AS
SELECT
    src_domain, dst_domain,
    uniqState(src_url, dst_url) AS links_state,
    uniqIfState(src_url, dst_url, nofollow = 0 AND ugc = 0 AND sponsored = 0 AND page_nofollow = 0)
        AS dofollow_links_state,
    uniqState(src_url) AS src_pages_state,
    uniqState(dst_url) AS dst_pages_state,
    minState(fetched_at) AS first_seen_state,
    maxState(fetched_at) AS last_seen_state
FROM link_fetches
WHERE src_domain != dst_domain
GROUP BY src_domain, dst_domain;

INSERT INTO refdomain_stats
SELECT
    dst_domain, src_domain, uniqState(src_url, dst_url),
    uniqIfState(src_url, dst_url, nofollow = 0 AND ugc = 0 AND sponsored = 0 AND page_nofollow = 0),
    uniqState(dst_url), minState(fetched_at), maxState(fetched_at)
FROM link_fetches
WHERE src_domain != dst_domain
GROUP BY dst_domain, src_domain;

INSERT INTO domain_edges
SELECT
    src_domain, dst_domain, uniqState(src_url, dst_url),
    uniqIfState(src_url, dst_url, nofollow = 0 AND ugc = 0 AND sponsored = 0 AND page_nofollow = 0),
    uniqState(src_url), uniqState(dst_url), minState(fetched_at), maxState(fetched_at)
FROM link_fetches
WHERE src_domain != dst_domain
GROUP BY src_domain, dst_domain;

CREATE VIEW IF NOT EXISTS referring_domains AS
SELECT
    dst_domain, src_domain,
    uniqMerge(links_state) AS links,
    uniqIfMerge(dofollow_links_state) AS dofollow_links,
    uniqMerge(pages_linked_state) AS pages_linked,
    minMerge(first_seen_state) AS first_seen,
    maxMerge(last_seen_state) AS last_seen
FROM refdomain_stats
GROUP BY dst_domain, src_domain;

CREATE VIEW IF NOT EXISTS domain_graph AS
SELECT
    src_domain, dst_domain,
    uniqMerge(links_state) AS links,
    uniqIfMerge(dofollow_links_state) AS dofollow_links,
    uniqMerge(src_pages_state) AS src_pages,
    uniqMerge(dst_pages_state) AS dst_pages,
    minMerge(first_seen_state) AS first_seen,
    maxMerge(last_seen_state) AS last_seen
FROM domain_edges
GROUP BY src_domain, dst_domain;
