-- Lost links and why: one row per (src_url, dst_url) of link_fetches matching $targets (self-
-- links excluded) that the source page stopped carrying, with the fetch that lost it.
-- A pair is carried by an indexable fetch of its page (not noindex, no canonical naming
-- another URL); the fetches of the page after the last one carrying it decide:
--   - $errors (LINKGRAPH_LOST_AFTER_ERRORS) failed fetches in a row (5xx, or no answer: status
--     0 with an error other than robots.txt) lose it at the last of them: 'page error' (detail:
--     the status, 0 for no answer). Fewer, then a good fetch: that fetch decides. Fewer and no
--     more fetches: not lost yet (Moz: "lost" is often one failed recrawl).
--   - else the first fetch that did not fail: 'blocked by robots.txt' (status 0, error
--     robots...), 'redirected' (3xx; detail: the redirect target), 'page gone' (4xx; detail:
--     the status), 'noindex', 'canonical elsewhere' (detail: the canonical URL), else 'link
--     removed' (the page answered 200 without the link), or 'moved' when that fetch first
--     carried a link from the page to another URL matching $targets (detail: the smallest).
-- Columns: src_url, dst_url, dst_host, last_us (the last fetch carrying it), lost_us, lost_at,
-- lost_reason, lost_detail. Tuples and arrays, not window functions: 18.16 has none.
-- Included as `-- include: lost_links(targets: dst_domain = {domain:String}; errors: N)`.
SELECT
    src_url, dst_url, dst_host, last_us, lost_us, lost_at,
    if(found_reason = 'link removed' AND moved_to != '', 'moved', found_reason) AS lost_reason,
    if(found_reason = 'link removed' AND moved_to != '', moved_to, found_detail) AS lost_detail
FROM
(
    SELECT
        src_url, dst_url, dst_host, last_us,
        tupleElement(fetches[lost_index], 1) AS lost_us,
        tupleElement(fetches[lost_index], 2) AS lost_at,
        multiIf(
            error_run >= $errors, 'page error',
            tupleElement(fetches[lost_index], 3) = 0, 'blocked by robots.txt',
            tupleElement(fetches[lost_index], 3) >= 300 AND tupleElement(fetches[lost_index], 3) < 400,
                'redirected',
            tupleElement(fetches[lost_index], 3) >= 400, 'page gone',
            tupleElement(fetches[lost_index], 5) = 1, 'noindex',
            tupleElement(fetches[lost_index], 6) != ''
                AND tupleElement(fetches[lost_index], 6) != src_url, 'canonical elsewhere',
            'link removed') AS found_reason,
        multiIf(
            found_reason IN ('page error', 'page gone'), toString(tupleElement(fetches[lost_index], 3)),
            found_reason = 'redirected', tupleElement(fetches[lost_index], 4),
            found_reason = 'canonical elsewhere', tupleElement(fetches[lost_index], 6),
            '') AS found_detail
    FROM
    (
        SELECT
            src_url, dst_url, dst_host, last_us,
            arraySort(f -> tupleElement(f, 1),
                      groupArray((pf_us, pf_at, pf_status, pf_redirect, pf_noindex, pf_canonical,
                                  pf_failed))) AS fetches,
            arrayFirstIndex(f -> tupleElement(f, 7) = 0, fetches) AS ok_index,
            if(ok_index = 0, length(fetches), toUInt64(ok_index - 1)) AS error_run,
            if(error_run >= $errors, toUInt64($errors), ok_index) AS lost_index
        FROM
        (
            SELECT src_url, dst_url, any(dst_host) AS dst_host,
                   maxIf(fetch_us, (src_url, fetch_us) NOT IN
                         (SELECT url, fetch_us FROM page_fetches
                          WHERE url IN (SELECT src_url FROM link_fetches WHERE $targets)
                            AND (noindex = 1 OR (canonical != '' AND canonical != url)))) AS last_us
            FROM link_fetches
            WHERE $targets AND src_domain != dst_domain
            GROUP BY src_url, dst_url
            HAVING last_us > 0
        ) AS pairs
        ALL INNER JOIN
        (
            SELECT url AS src_url, fetch_us AS pf_us, fetched_at AS pf_at, status AS pf_status,
                   redirect_to AS pf_redirect, noindex AS pf_noindex, canonical AS pf_canonical,
                   toUInt8(status >= 500 OR (status = 0 AND lower(substring(error, 1, 6)) != 'robots'))
                       AS pf_failed
            FROM page_fetches
            WHERE url IN (SELECT src_url FROM link_fetches WHERE $targets)
            LIMIT 1 BY url, fetch_us
        ) AS later USING (src_url)
        WHERE pf_us > last_us
        GROUP BY src_url, dst_url, dst_host, last_us
    )
    WHERE lost_index > 0
) AS found
ANY LEFT JOIN
(
    SELECT src_url, first_us AS lost_us, min(dst_url) AS moved_to
    FROM
    (
        SELECT src_url, dst_url, min(fetch_us) AS first_us
        FROM link_fetches
        WHERE $targets AND src_domain != dst_domain
        GROUP BY src_url, dst_url
    )
    GROUP BY src_url, first_us
) AS moved USING (src_url, lost_us)
