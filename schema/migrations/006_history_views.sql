-- History and domain rollups read straight from link_fetches, instead of three materialized
-- views aggregating every insert block (they cost about 3/4 of ingest time, and link_spans held
-- about as many rows as link_fetches itself). link_fetches already keeps every occurrence of
-- every fetch, sorted by (dst_domain, dst_url, src_url, fetch_us): a view filtered on dst_domain
-- reads one contiguous range. Same view names and columns as 002/003; counts are now exact.
--
-- "Changed" means changed between fetches: per (src_url, dst_url) and fetch, the set of anchors
-- (and of rel token lists) the page carried; a link changed when two fetches differ. Two
-- occurrences with different anchors on one page are not a change.

DROP TABLE IF EXISTS link_spans_mv;
DROP TABLE IF EXISTS refdomain_stats_mv;
DROP TABLE IF EXISTS domain_edges_mv;
DROP TABLE IF EXISTS lost_links;
DROP TABLE IF EXISTS link_changes;
DROP TABLE IF EXISTS link_history;
DROP TABLE IF EXISTS referring_domains;
DROP TABLE IF EXISTS domain_graph;
DROP TABLE IF EXISTS link_spans;
DROP TABLE IF EXISTS refdomain_stats;
DROP TABLE IF EXISTS domain_edges;

-- One row per (src_url, dst_url) ever seen.
CREATE VIEW IF NOT EXISTS link_history AS
SELECT
    dst_domain, dst_url, src_url, src_domain,
    min(fetch_first_seen) AS first_seen,
    max(fetch_first_seen) AS last_seen,
    max(fetch_us) AS last_fetch_us,
    argMin(fetch_anchor, fetch_us) AS first_anchor,
    argMax(fetch_anchor, fetch_us) AS last_anchor,
    argMin(fetch_rel, fetch_us) AS first_rel,
    argMax(fetch_rel, fetch_us) AS last_rel,
    uniqExact(fetch_anchors) AS anchor_variants,
    uniqExact(fetch_rels) AS rel_variants,
    count() AS fetches
FROM
(
    SELECT
        dst_domain, dst_url, src_url, src_domain, fetch_us,
        any(fetched_at) AS fetch_first_seen,
        argMin(anchor, ordinal) AS fetch_anchor,
        argMin(rel, ordinal) AS fetch_rel,
        arrayStringConcat(arraySort(groupUniqArray(anchor)), '\n') AS fetch_anchors,
        arrayStringConcat(arraySort(groupUniqArray(arrayStringConcat(rel, ' '))), '\n')
            AS fetch_rels
    FROM link_fetches
    GROUP BY dst_domain, dst_url, src_url, src_domain, fetch_us
)
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

-- Per (dst_domain, src_domain), self-links excluded: distinct (src_url, dst_url) pairs ever seen.
CREATE VIEW IF NOT EXISTS referring_domains AS
SELECT
    dst_domain, src_domain,
    uniqExact(src_url, dst_url) AS links,
    uniqExactIf(src_url, dst_url,
                nofollow = 0 AND ugc = 0 AND sponsored = 0 AND page_nofollow = 0) AS dofollow_links,
    uniqExact(dst_url) AS pages_linked,
    min(fetched_at) AS first_seen,
    max(fetched_at) AS last_seen
FROM link_fetches
WHERE src_domain != dst_domain
GROUP BY dst_domain, src_domain;

-- The domain graph (e.g. for authority scores): per (src_domain, dst_domain), self-links excluded.
CREATE VIEW IF NOT EXISTS domain_graph AS
SELECT
    src_domain, dst_domain,
    uniqExact(src_url, dst_url) AS links,
    uniqExactIf(src_url, dst_url,
                nofollow = 0 AND ugc = 0 AND sponsored = 0 AND page_nofollow = 0) AS dofollow_links,
    uniqExact(src_url) AS src_pages,
    uniqExact(dst_url) AS dst_pages,
    min(fetched_at) AS first_seen,
    max(fetched_at) AS last_seen
FROM link_fetches
WHERE src_domain != dst_domain
GROUP BY src_domain, dst_domain;
