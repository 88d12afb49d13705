-- New, lost and changed backlinks of {domain} (self-links excluded; the target in its mode,
-- fragments/target_match.sql) in [{since}, {until}), one row per (src_url, dst_url) and change,
-- from the fetch history (link_fetches: every fetch ever stored).
-- new:     the pair was first seen in the window (anchor, rel: its first ones);
-- lost:    a fetch of the source page in the window lost the pair, with its reason
--          (fragments/lost_links.sql: link removed, page gone, page error after
--          {lost_after_errors} failed fetches in a row, redirected, noindex, canonical
--          elsewhere, blocked by robots.txt), or 'moved' when the page that stopped linking
--          to dst_url started linking to another URL of {domain} in that fetch (detail: the
--          smallest such URL). anchor, rel: its last ones. A link lost and found again is not
--          listed as lost once a later fetch carries it again.
-- changed: a live pair's first occurrence differs from the page's previous fetch carrying it:
--          'now nofollow', 'now ugc', 'now sponsored' (the token added), 'anchor changed'
--          (detail: the previous anchor); one row per reason. anchor, rel: the new ones.
-- changed_at: first_seen for new, the fetch that showed the change for lost and changed.
-- reason_detail: see above ('' when none).
-- Params: domain String, since DateTime, until DateTime, lost_after_errors UInt32. Order:
-- changed_at, change, src_url, dst_url, reason.
-- mode String, target String: the target in its mode (fragments/target_match.sql).
SELECT
    change, changed_at, src_url, src_domain, dst_url, anchor, rel, first_seen, last_seen,
    reason, reason_detail
FROM
(
    SELECT
        'new' AS change, first_seen AS changed_at, src_url, src_domain, dst_url,
        first_anchor AS anchor, first_rel AS rel, first_seen, last_seen,
        '' AS reason, '' AS reason_detail
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
        last_anchor AS anchor, last_rel AS rel, first_seen, last_seen,
        lost_reason AS reason, lost_detail AS reason_detail
    FROM
    (
        SELECT src_url, dst_url, dst_host, lost_at, lost_reason, lost_detail
        FROM
        (
            -- include: lost_links(targets: dst_domain = {domain:String}; errors: {lost_after_errors:UInt32})
        )
        WHERE lost_at >= {since:DateTime} AND lost_at < {until:DateTime}
          AND
          -- include: target_match()
    ) AS lost
    ALL INNER JOIN
    (
        SELECT
            src_url, src_domain, dst_url,
            min(fetched_at) AS first_seen,
            max(fetched_at) AS last_seen,
            argMax(anchor, (fetch_us, -toInt64(ordinal))) AS last_anchor,
            argMax(rel, (fetch_us, -toInt64(ordinal))) AS last_rel
        FROM link_fetches
        WHERE dst_domain = {domain:String} AND src_domain != dst_domain
        GROUP BY src_url, src_domain, dst_url
    ) AS spans USING (src_url, dst_url)
    UNION ALL
    SELECT
        'changed' AS change, tupleElement(cur, 2) AS changed_at, src_url, src_domain, dst_url,
        tupleElement(cur, 3) AS anchor, tupleElement(cur, 4) AS rel, first_seen, last_seen,
        why AS reason, if(why = 'anchor changed', tupleElement(prev, 3), '') AS reason_detail
    FROM
    (
        SELECT
            src_url, src_domain, dst_url, first_seen, last_seen,
            fetches[i - 1] AS prev, fetches[i] AS cur,
            arrayJoin(arrayFilter(r -> r != '', [
                if(has(tupleElement(cur, 4), 'nofollow')
                   AND NOT has(tupleElement(prev, 4), 'nofollow'), 'now nofollow', ''),
                if(has(tupleElement(cur, 4), 'ugc')
                   AND NOT has(tupleElement(prev, 4), 'ugc'), 'now ugc', ''),
                if(has(tupleElement(cur, 4), 'sponsored')
                   AND NOT has(tupleElement(prev, 4), 'sponsored'), 'now sponsored', ''),
                if(tupleElement(cur, 3) != tupleElement(prev, 3), 'anchor changed', '')
            ])) AS why
        FROM
        (
            SELECT
                src_url, src_domain, dst_url,
                min(fetch_at) AS first_seen, max(fetch_at) AS last_seen,
                arraySort(f -> tupleElement(f, 1),
                          groupArray((fetch_us, fetch_at, fetch_anchor, fetch_rel))) AS fetches
            FROM
            (
                SELECT
                    src_url, src_domain, dst_url, fetch_us, any(fetched_at) AS fetch_at,
                    argMin(anchor, ordinal) AS fetch_anchor, argMin(rel, ordinal) AS fetch_rel
                FROM link_fetches
                WHERE dst_domain = {domain:String} AND src_domain != dst_domain
                  AND
                  -- include: target_match()
                GROUP BY src_url, src_domain, dst_url, fetch_us
            )
            GROUP BY src_url, src_domain, dst_url
            HAVING length(fetches) > 1
        )
        ARRAY JOIN arrayEnumerate(fetches) AS i
        WHERE i > 1
    )
    WHERE changed_at >= {since:DateTime} AND changed_at < {until:DateTime}
)
ORDER BY changed_at, change, src_url, dst_url, reason
