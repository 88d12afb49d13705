-- History per (src_url, dst_url): first/last seen, first/last anchor and rel, how many variants.
-- Fed by a materialized view on link_fetches; every aggregate is idempotent (min, max, argMin,
-- argMax, uniq), so a re-delivered fetch changes nothing. The backfill below makes the migration
-- safe on a database that already holds links (and harmless if it runs twice).

CREATE TABLE IF NOT EXISTS link_spans
(
    dst_domain LowCardinality(String),
    dst_url String,
    src_url String,
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
ENGINE = AggregatingMergeTree
ORDER BY (dst_domain, dst_url, src_url, src_domain);

CREATE MATERIALIZED VIEW IF NOT EXISTS link_spans_mv TO link_spans AS
SELECT
    dst_domain, dst_url, src_url, src_domain,
    minState(fetched_at) AS first_seen_state,
    maxState(fetched_at) AS last_seen_state,
    maxState(fetch_us) AS last_fetch_us_state,
    argMinState(anchor, fetch_us) AS first_anchor_state,
    argMaxState(anchor, fetch_us) AS last_anchor_state,
    argMinState(rel, fetch_us) AS first_rel_state,
    argMaxState(rel, fetch_us) AS last_rel_state,
    uniqState(anchor) AS anchor_variants_state,
    uniqState(arrayStringConcat(rel, ' ')) AS rel_variants_state
FROM link_fetches
GROUP BY dst_domain, dst_url, src_url, src_domain;

INSERT INTO link_spans
SELECT
    dst_domain, dst_url, src_url, src_domain,
    minState(fetched_at), maxState(fetched_at), maxState(fetch_us),
    argMinState(anchor, fetch_us), argMaxState(anchor, fetch_us),
    argMinState(rel, fetch_us), argMaxState(rel, fetch_us),
    uniqState(anchor), uniqState(arrayStringConcat(rel, ' '))
FROM link_fetches
GROUP BY dst_domain, dst_url, src_url, src_domain;

-- One row per (src_url, dst_url) ever seen (src_domain is part of the key only because newer
-- servers refuse plain columns outside an AggregatingMergeTree key; it follows from src_url).
CREATE VIEW IF NOT EXISTS link_history AS
SELECT
    dst_domain, dst_url, src_url, src_domain,
    minMerge(first_seen_state) AS first_seen,
    maxMerge(last_seen_state) AS last_seen,
    maxMerge(last_fetch_us_state) AS last_fetch_us,
    argMinMerge(first_anchor_state) AS first_anchor,
    argMaxMerge(last_anchor_state) AS last_anchor,
    argMinMerge(first_rel_state) AS first_rel,
    argMaxMerge(last_rel_state) AS last_rel,
    uniqMerge(anchor_variants_state) AS anchor_variants,
    uniqMerge(rel_variants_state) AS rel_variants
FROM link_spans
GROUP BY dst_domain, dst_url, src_url, src_domain;

-- Links whose source page was fetched again later and no longer carried them.
-- checked_at: the source page's latest fetch (the one that shows the link gone).
CREATE VIEW IF NOT EXISTS lost_links AS
SELECT
    dst_domain, dst_url, src_url, src_domain, first_seen, last_seen, checked_at,
    last_anchor, last_rel
FROM link_history
ALL INNER JOIN
(
    SELECT url AS src_url, max(fetch_us) AS src_fetch_us, max(fetched_at) AS checked_at
    FROM page_fetches
    GROUP BY url
) AS latest USING (src_url)
WHERE last_fetch_us < src_fetch_us;

-- Links whose anchor text or rel tokens changed between fetches.
CREATE VIEW IF NOT EXISTS link_changes AS
SELECT
    dst_domain, dst_url, src_url, src_domain, first_seen, last_seen,
    first_anchor, last_anchor, first_rel, last_rel, anchor_variants, rel_variants
FROM link_history
WHERE anchor_variants > 1 OR rel_variants > 1;
