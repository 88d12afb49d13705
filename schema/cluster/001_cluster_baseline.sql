-- Cluster variant of migrations/001-003 (apply by hand or with clickhouse-client --multiquery,
-- once, from any node). Macros {cluster}, {shard}, {replica} come from each server's config.
-- Local tables are ReplicatedReplacingMergeTree / ReplicatedAggregatingMergeTree; the names the
-- application and the named queries use (link_fetches, page_fetches, ...) are Distributed tables.
-- Sharding: link_fetches by dst_domain (a domain's backlinks live on one shard), page_fetches
-- by url. The current-state filter crosses shards, so on a cluster the named queries' inner
-- `IN (SELECT url, max(fetch_us) FROM page_fetches ...)` must be `GLOBAL IN` (see README.md).

CREATE DATABASE IF NOT EXISTS linkgraph ON CLUSTER '{cluster}';

CREATE TABLE IF NOT EXISTS linkgraph.page_fetches_local ON CLUSTER '{cluster}'
(
    url String, fetch_us UInt64, host LowCardinality(String), domain LowCardinality(String),
    status UInt16, content_type LowCardinality(String), title String, lang LowCardinality(String),
    canonical String, redirect_to String, meta_robots LowCardinality(String),
    x_robots_tag LowCardinality(String), noindex UInt8, nofollow UInt8, outlink_count UInt32,
    depth UInt32, size UInt64, fetched_at DateTime('UTC'), crawl_id LowCardinality(String),
    error String
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/linkgraph/page_fetches', '{replica}')
ORDER BY (url, fetch_us);

CREATE TABLE IF NOT EXISTS linkgraph.page_fetches ON CLUSTER '{cluster}'
AS linkgraph.page_fetches_local
ENGINE = Distributed('{cluster}', linkgraph, page_fetches_local, cityHash64(url));

CREATE TABLE IF NOT EXISTS linkgraph.link_fetches_local ON CLUSTER '{cluster}'
(
    dst_domain LowCardinality(String), dst_url String, src_url String, fetch_us UInt64,
    ordinal UInt32, dst_host LowCardinality(String), src_host LowCardinality(String),
    src_domain LowCardinality(String), anchor String, rel Array(String), nofollow UInt8,
    ugc UInt8, sponsored UInt8, kind LowCardinality(String), section LowCardinality(String),
    dom_path LowCardinality(String), is_image UInt8, hreflang LowCardinality(String),
    is_external UInt8, page_nofollow UInt8, fetched_at DateTime('UTC'),
    crawl_id LowCardinality(String)
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/linkgraph/link_fetches', '{replica}')
ORDER BY (dst_domain, dst_url, src_url, fetch_us, ordinal);

CREATE TABLE IF NOT EXISTS linkgraph.link_fetches ON CLUSTER '{cluster}'
AS linkgraph.link_fetches_local
ENGINE = Distributed('{cluster}', linkgraph, link_fetches_local, cityHash64(dst_domain));

-- History and rollups: local aggregating tables fed by local materialized views (each shard
-- aggregates the rows it holds; a domain's rows are all on one shard), read through Distributed.
CREATE TABLE IF NOT EXISTS linkgraph.link_spans_local ON CLUSTER '{cluster}'
(
    dst_domain LowCardinality(String), dst_url String, src_url String,
    src_domain LowCardinality(String),
    first_seen_state AggregateFunction(min, DateTime('UTC')),
    last_seen_state AggregateFunction(max, DateTime('UTC')),
    last_fetch_us_state AggregateFunction(max, UInt64),
    first_anchor_state AggregateFunction(argMin, String, UInt64),
    last_anchor_state AggregateFunction(argMax, String, UInt64),
    first_rel_state AggregateFunction(argMin, Array(String), UInt64),
    last_rel_state AggregateFunction(argMax, Array(String), UInt64),
    anchor_variants_state AggregateFunction(uniq, String),
    rel_variants_state AggregateFunction(uniq, String)
)
ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/linkgraph/link_spans', '{replica}')
ORDER BY (dst_domain, dst_url, src_url, src_domain);

CREATE MATERIALIZED VIEW IF NOT EXISTS linkgraph.link_spans_mv ON CLUSTER '{cluster}'
TO linkgraph.link_spans_local AS
SELECT
    dst_domain, dst_url, src_url, src_domain,
    minState(fetched_at) AS first_seen_state, maxState(fetched_at) AS last_seen_state,
    maxState(fetch_us) AS last_fetch_us_state,
    argMinState(anchor, fetch_us) AS first_anchor_state,
    argMaxState(anchor, fetch_us) AS last_anchor_state,
    argMinState(rel, fetch_us) AS first_rel_state, argMaxState(rel, fetch_us) AS last_rel_state,
    uniqState(anchor) AS anchor_variants_state,
    uniqState(arrayStringConcat(rel, ' ')) AS rel_variants_state
FROM linkgraph.link_fetches_local
GROUP BY dst_domain, dst_url, src_url, src_domain;

CREATE TABLE IF NOT EXISTS linkgraph.link_spans ON CLUSTER '{cluster}'
AS linkgraph.link_spans_local
ENGINE = Distributed('{cluster}', linkgraph, link_spans_local);

CREATE TABLE IF NOT EXISTS linkgraph.refdomain_stats_local ON CLUSTER '{cluster}'
(
    dst_domain LowCardinality(String), src_domain LowCardinality(String),
    links_state AggregateFunction(uniq, String, String),
    dofollow_links_state AggregateFunction(uniqIf, String, String, UInt8),
    pages_linked_state AggregateFunction(uniq, String),
    first_seen_state AggregateFunction(min, DateTime('UTC')),
    last_seen_state AggregateFunction(max, DateTime('UTC'))
)
ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/linkgraph/refdomain_stats', '{replica}')
ORDER BY (dst_domain, src_domain);

CREATE MATERIALIZED VIEW IF NOT EXISTS linkgraph.refdomain_stats_mv ON CLUSTER '{cluster}'
TO linkgraph.refdomain_stats_local AS
SELECT
    dst_domain, src_domain,
    uniqState(src_url, dst_url) AS links_state,
    uniqIfState(src_url, dst_url, nofollow = 0 AND ugc = 0 AND sponsored = 0 AND page_nofollow = 0)
        AS dofollow_links_state,
    uniqState(dst_url) AS pages_linked_state,
    minState(fetched_at) AS first_seen_state, maxState(fetched_at) AS last_seen_state
FROM linkgraph.link_fetches_local
WHERE src_domain != dst_domain
GROUP BY dst_domain, src_domain;

CREATE TABLE IF NOT EXISTS linkgraph.refdomain_stats ON CLUSTER '{cluster}'
AS linkgraph.refdomain_stats_local
ENGINE = Distributed('{cluster}', linkgraph, refdomain_stats_local);

-- domain_edges is keyed by src_domain while link rows are sharded by dst_domain: each shard
-- holds partial states for an edge, which the Distributed read merges (-Merge functions).
CREATE TABLE IF NOT EXISTS linkgraph.domain_edges_local ON CLUSTER '{cluster}'
(
    src_domain LowCardinality(String), dst_domain LowCardinality(String),
    links_state AggregateFunction(uniq, String, String),
    dofollow_links_state AggregateFunction(uniqIf, String, String, UInt8),
    src_pages_state AggregateFunction(uniq, String),
    dst_pages_state AggregateFunction(uniq, String),
    first_seen_state AggregateFunction(min, DateTime('UTC')),
    last_seen_state AggregateFunction(max, DateTime('UTC'))
)
ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/linkgraph/domain_edges', '{replica}')
ORDER BY (src_domain, dst_domain);

CREATE MATERIALIZED VIEW IF NOT EXISTS linkgraph.domain_edges_mv ON CLUSTER '{cluster}'
TO linkgraph.domain_edges_local AS
SELECT
    src_domain, dst_domain,
    uniqState(src_url, dst_url) AS links_state,
    uniqIfState(src_url, dst_url, nofollow = 0 AND ugc = 0 AND sponsored = 0 AND page_nofollow = 0)
        AS dofollow_links_state,
    uniqState(src_url) AS src_pages_state, uniqState(dst_url) AS dst_pages_state,
    minState(fetched_at) AS first_seen_state, maxState(fetched_at) AS last_seen_state
FROM linkgraph.link_fetches_local
WHERE src_domain != dst_domain
GROUP BY src_domain, dst_domain;

CREATE TABLE IF NOT EXISTS linkgraph.domain_edges ON CLUSTER '{cluster}'
AS linkgraph.domain_edges_local
ENGINE = Distributed('{cluster}', linkgraph, domain_edges_local);
