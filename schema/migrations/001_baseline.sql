-- Baseline: every fetch and every link occurrence of every fetch, plus the current-state views.
-- Runs unchanged on clickhouse-server 18.16 and chDB 26.x (LowCardinality needs a setting on
-- 18.x, which the migration runner passes there).
--
-- Idempotence: a fetch is identified by (url, fetch_us); a re-delivered fetch inserts rows with
-- the same sorting key, which ReplacingMergeTree collapses on merge, and every reader below
-- deduplicates before merges happen (FINAL, LIMIT 1 BY), so no row ever shows twice.

CREATE TABLE IF NOT EXISTS page_fetches
(
    url String,
    fetch_us UInt64,
    host LowCardinality(String),
    domain LowCardinality(String),
    status UInt16,
    content_type LowCardinality(String),
    title String,
    lang LowCardinality(String),
    canonical String,
    redirect_to String,
    meta_robots LowCardinality(String),
    x_robots_tag LowCardinality(String),
    noindex UInt8,
    nofollow UInt8,
    outlink_count UInt32,
    depth UInt32,
    size UInt64,
    fetched_at DateTime('UTC'),
    crawl_id LowCardinality(String),
    error String
)
ENGINE = ReplacingMergeTree
ORDER BY (url, fetch_us);

CREATE TABLE IF NOT EXISTS link_fetches
(
    dst_domain LowCardinality(String),
    dst_url String,
    src_url String,
    fetch_us UInt64,
    ordinal UInt32,
    dst_host LowCardinality(String),
    src_host LowCardinality(String),
    src_domain LowCardinality(String),
    anchor String,
    rel Array(String),
    nofollow UInt8,
    ugc UInt8,
    sponsored UInt8,
    kind LowCardinality(String),
    section LowCardinality(String),
    dom_path LowCardinality(String),
    is_image UInt8,
    hreflang LowCardinality(String),
    is_external UInt8,
    page_nofollow UInt8,
    fetched_at DateTime('UTC'),
    crawl_id LowCardinality(String)
)
ENGINE = ReplacingMergeTree
ORDER BY (dst_domain, dst_url, src_url, fetch_us, ordinal);

-- One row per URL: its latest fetch.
CREATE VIEW IF NOT EXISTS pages AS
SELECT *
FROM page_fetches FINAL
WHERE (url, fetch_us) IN (SELECT url, max(fetch_us) FROM page_fetches GROUP BY url);

-- Each source page's current links: the link occurrences of the latest fetch of each src_url.
CREATE VIEW IF NOT EXISTS links AS
SELECT *
FROM link_fetches FINAL
WHERE (src_url, fetch_us) IN (SELECT url, max(fetch_us) FROM page_fetches GROUP BY url);
