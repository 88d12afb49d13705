-- Per (dst_domain, src_domain), self-links excluded: how many link_fetches rows the source
-- domain has into the target, over every fetch. Kept by a materialized view, summed on merge,
-- so a first page reads one row per referring domain instead of the target's link range: the
-- upper bound behind a first page of referring domains (refdomains_bounds.sql) and the link
-- counts behind a first page of backlinks' shortlist (backlinks_sources.sql). At 100M links the
-- most linked domain has 11M rows in link_fetches and 100k here (bench/RESULTS.md, issue 17).
--
-- Only ever an upper bound of the current links: a re-delivered fetch is counted again
-- (link_fetches' ReplacingMergeTree later collapses it, a sum does not), and a link counted
-- here may be gone from the page's latest fetch. Nothing counted is ever subtracted, so a
-- reader may only use it where a count too high costs time, not rows.
-- The view comes first, then the backfill, so a row inserted between them is counted twice,
-- never missed. Until merges finish, a domain pair has a row per insert block: sum(link_rows).

CREATE TABLE IF NOT EXISTS domain_link_rows
(
    dst_domain LowCardinality(String),
    src_domain LowCardinality(String),
    link_rows UInt64
)
ENGINE = SummingMergeTree
ORDER BY (dst_domain, src_domain);

CREATE MATERIALIZED VIEW IF NOT EXISTS domain_link_rows_mv TO domain_link_rows AS
SELECT dst_domain, src_domain, count() AS link_rows
FROM link_fetches
WHERE src_domain != dst_domain
GROUP BY dst_domain, src_domain;

INSERT INTO domain_link_rows
SELECT dst_domain, src_domain, count() AS link_rows
FROM link_fetches
WHERE src_domain != dst_domain
GROUP BY dst_domain, src_domain;
