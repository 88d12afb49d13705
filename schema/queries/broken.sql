-- Broken backlinks for `linkgraph broken`: current links from other domains into the URLs of
-- {domains} whose latest fetch answered 4xx/5xx, or redirected (up to 3 hops) to a URL whose
-- latest fetch did. Targets never fetched, or answering 0 (no response), are left out: unknown.
-- For your own domain this is the reclaim list (fix the target or ask for a new link); for
-- competitors' domains (`--prospects`), pages linking to their dead URLs: outreach prospects.
-- dst_status: the target's answer; final_url/final_status: where its redirects end (the target
-- itself when it does not redirect); dofollow as in backlinks_report.sql; first_seen/last_seen:
-- the (src_url, dst_url) pair over every fetch.
-- Params: domains Array(String), exclude_domain String (source domain to leave out; '' none).
-- Order: dst_url, src_url, ordinal.
-- mode String, target String: the target in its mode (fragments/target_match.sql).
SELECT
    src_url, src_domain, dst_url, dst_domain, ordinal, dst_status, final_url, final_status, anchor,
    rel, section, kind, dofollow, first_seen, last_seen
FROM
(
    SELECT *
    FROM
    (
        SELECT
            src_url, src_domain, dst_url, dst_domain, ordinal, anchor, rel, section, kind,
            toUInt8(nofollow = 0 AND ugc = 0 AND sponsored = 0 AND page_nofollow = 0) AS dofollow
        FROM link_fetches
        WHERE dst_domain IN (SELECT arrayJoin({domains:Array(String)}))
          AND
          -- include: target_match()
          AND src_domain != dst_domain
          AND src_domain != {exclude_domain:String}
          AND (src_url, fetch_us) IN
          (
              -- include: current_fetches(targets: dst_domain IN (SELECT arrayJoin({domains:Array(String)})))
          )
        LIMIT 1 BY src_url, dst_url, ordinal
    ) AS current
    ALL INNER JOIN
    (
        SELECT
            dst_url, dst_status,
            multiIf(dst_status < 300 OR dst_status >= 400, dst_url,
                    hop2_status < 300 OR hop2_status >= 400, hop2_url, hop3_url) AS final_url,
            multiIf(dst_status < 300 OR dst_status >= 400, dst_status,
                    hop2_status < 300 OR hop2_status >= 400, hop2_status, hop3_status)
                AS final_status
        FROM
        (
            SELECT *
            FROM
            (
                SELECT
                    url AS dst_url,
                    argMax(status, fetch_us) AS dst_status,
                    argMax(redirect_to, fetch_us) AS hop2_url
                FROM page_fetches
                WHERE url IN
                (
                    SELECT dst_url FROM link_fetches
                    WHERE dst_domain IN (SELECT arrayJoin({domains:Array(String)}))
                )
                GROUP BY url
            ) AS hop1
            ANY LEFT JOIN
            (
                SELECT
                    url AS hop2_url,
                    argMax(status, fetch_us) AS hop2_status,
                    argMax(redirect_to, fetch_us) AS hop3_url
                FROM page_fetches
                WHERE url IN
                (
                    SELECT redirect_to FROM page_fetches
                    WHERE url IN
                    (
                        SELECT dst_url FROM link_fetches
                        WHERE dst_domain IN (SELECT arrayJoin({domains:Array(String)}))
                    )
                )
                GROUP BY url
            ) AS hop2 USING (hop2_url)
        ) AS hops
        ANY LEFT JOIN
        (
            SELECT url AS hop3_url, argMax(status, fetch_us) AS hop3_status
            FROM page_fetches
            WHERE url IN
            (
                SELECT redirect_to FROM page_fetches
                WHERE url IN
                (
                    SELECT redirect_to FROM page_fetches
                    WHERE url IN
                    (
                        SELECT dst_url FROM link_fetches
                        WHERE dst_domain IN (SELECT arrayJoin({domains:Array(String)}))
                    )
                )
            )
            GROUP BY url
        ) AS hop3 USING (hop3_url)
        WHERE final_status >= 400 AND final_status < 600
    ) AS dead USING (dst_url)
) AS broken_links
ANY LEFT JOIN
(
    SELECT src_url, dst_url, min(fetched_at) AS first_seen, max(fetched_at) AS last_seen
    FROM link_fetches
    WHERE dst_domain IN (SELECT arrayJoin({domains:Array(String)})) AND src_domain != dst_domain
    GROUP BY src_url, dst_url
) AS history USING (src_url, dst_url)
ORDER BY dst_url, src_url, ordinal
