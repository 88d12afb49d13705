-- The most linked pages of {domain} (the target in its mode, fragments/target_match.sql) for
-- `linkgraph top-pages`: one row per target URL with current links from other domains.
-- ref_domains: distinct linking domains; links: link occurrences; dofollow_links: those without
-- nofollow/ugc/sponsored on a page that did not say nofollow; status: the target's latest
-- fetch (0: never fetched); first_seen: the first fetch carrying a link to it (any fetch).
-- Params: domain String, mode String, target String. Order: ref_domains desc, links desc,
-- dst_url.
SELECT dst_url, ref_domains, links, dofollow_links, status, first_seen
FROM
(
    SELECT
        dst_url,
        uniqExactIf(src_domain, current) AS ref_domains,
        uniqExactIf(src_url, ordinal, current) AS links,
        uniqExactIf(src_url, ordinal,
                    current AND nofollow = 0 AND ugc = 0 AND sponsored = 0 AND page_nofollow = 0)
            AS dofollow_links,
        min(fetched_at) AS first_seen
    FROM
    (
        SELECT dst_url, src_domain, src_url, ordinal, nofollow, ugc, sponsored, page_nofollow,
               fetched_at,
               (src_url, fetch_us) IN
               (
                   -- include: current_fetches(targets: dst_domain = {domain:String})
               ) AS current
        FROM link_fetches
        WHERE dst_domain = {domain:String} AND src_domain != dst_domain
          AND
          -- include: target_match()
    )
    GROUP BY dst_url
    HAVING links > 0
) AS linked
ANY LEFT JOIN
(
    SELECT url AS dst_url, argMax(status, fetch_us) AS status
    FROM page_fetches
    WHERE domain = {domain:String}
    GROUP BY url
) AS fetched USING (dst_url)
ORDER BY ref_domains DESC, links DESC, dst_url
