-- New and lost backlinks of {domain} (self-links excluded) in [{since}, {until}), one row per
-- (src_url, dst_url) and change, from the fetch history (link_fetches: every fetch ever stored).
-- new:  the pair was first seen in the window (anchor, rel: its first ones);
-- lost: a fetch of the source page in the window was the first one without the pair, after the
--       last fetch that carried it (anchor, rel: its last ones). A link lost and found again is
--       not listed as lost once a later fetch carries it again.
-- changed_at: first_seen for new, the fetch that showed it gone for lost.
-- Params: domain String, since DateTime, until DateTime. Order: changed_at, change, src_url,
-- dst_url.
-- mode String, target String: the target in its mode (fragments/target_match.sql).
SELECT change, changed_at, src_url, src_domain, dst_url, anchor, rel, first_seen, last_seen
FROM
(
    SELECT
        'new' AS change, first_seen AS changed_at, src_url, src_domain, dst_url,
        first_anchor AS anchor, first_rel AS rel, first_seen, last_seen
    FROM
    (
        SELECT
            src_url, src_domain, dst_url,
            min(fetched_at) AS first_seen,
            max(fetched_at) AS last_seen,
            argMin(anchor, (fetch_us, ordinal)) AS first_anchor,
            argMin(rel, (fetch_us, ordinal)) AS first_rel
        FROM link_fetches
        WHERE dst_domain = {domain:String} AND src_domain != dst_domain
          AND
          -- include: target_match()
        GROUP BY src_url, src_domain, dst_url
    ) AS spans
    WHERE first_seen >= {since:DateTime} AND first_seen < {until:DateTime}
    UNION ALL
    SELECT
        'lost' AS change, lost_at AS changed_at, src_url, src_domain, dst_url,
        last_anchor AS anchor, last_rel AS rel, first_seen, last_seen
    FROM
    (
        SELECT
            src_url, src_domain, dst_url, first_seen, last_seen, last_anchor, last_rel,
            min(pf_at) AS lost_at
        FROM
        (
            SELECT
                src_url, src_domain, dst_url,
                min(fetched_at) AS first_seen,
                max(fetched_at) AS last_seen,
                max(fetch_us) AS last_us,
                argMax(anchor, (fetch_us, -toInt64(ordinal))) AS last_anchor,
                argMax(rel, (fetch_us, -toInt64(ordinal))) AS last_rel
            FROM link_fetches
            WHERE dst_domain = {domain:String} AND src_domain != dst_domain
              AND
              -- include: target_match()
            GROUP BY src_url, src_domain, dst_url
        ) AS spans
        ALL INNER JOIN
        (
            SELECT url AS src_url, fetch_us AS pf_us, fetched_at AS pf_at
            FROM page_fetches
            WHERE url IN (SELECT src_url FROM link_fetches WHERE dst_domain = {domain:String})
            LIMIT 1 BY url, fetch_us
        ) AS later USING (src_url)
        WHERE pf_us > last_us
        GROUP BY src_url, src_domain, dst_url, first_seen, last_seen, last_anchor, last_rel
    ) AS gone
    WHERE lost_at >= {since:DateTime} AND lost_at < {until:DateTime}
)
ORDER BY changed_at, change, src_url, dst_url
