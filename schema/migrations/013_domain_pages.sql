-- page_fetches by source domain: each fetch's url, fetch_us, status and lang, ordered by the
-- page's registrable domain. A first page of backlinks names its source domains
-- (crawler/analysis/shortlist.py) and looks up their pages' latest fetches, their languages
-- and their pages' authority; page_fetches is ordered by url, so each lookup by domain read the
-- whole table (2M fetches at 100M links, ~20-35 ms on chDB, three times per page: bench/
-- RESULTS.md, issue 17). Here it reads the named domains' rows.
-- A fetch delivered twice (or inserted between the view and the backfill below) has two rows
-- until a merge collapses them: readers take max(fetch_us) per url and uniqExact(url), which a
-- repeated row does not change.

CREATE TABLE IF NOT EXISTS domain_pages
(
    domain LowCardinality(String),
    url String,
    fetch_us UInt64,
    status UInt16,
    lang LowCardinality(String)
)
ENGINE = ReplacingMergeTree
ORDER BY (domain, url, fetch_us)
SETTINGS index_granularity = 256;

CREATE MATERIALIZED VIEW IF NOT EXISTS domain_pages_mv TO domain_pages AS
SELECT domain, url, fetch_us, status, lang
FROM page_fetches;

INSERT INTO domain_pages
SELECT domain, url, fetch_us, status, lang
FROM page_fetches;
