-- Referring domains of a domain, from current links (self-links excluded).
-- links: current link occurrences; dofollow_links: those without nofollow/ugc/sponsored on a
-- page that did not say nofollow; pages_linked: distinct target URLs in {domain};
-- first_seen/last_seen: over every fetch that carried a link from ref_domain to {domain}.
-- Params: domain String.
SELECT
    ref_domain, links, dofollow_links, pages_linked, first_seen, last_seen
FROM
(
    SELECT
        src_domain AS ref_domain,
        count() AS links,
        sum(nofollow = 0 AND ugc = 0 AND sponsored = 0 AND page_nofollow = 0) AS dofollow_links,
        uniqExact(dst_url) AS pages_linked
    FROM
    (
        SELECT src_domain, src_url, dst_url, ordinal, nofollow, ugc, sponsored, page_nofollow
        FROM link_fetches
        WHERE dst_domain = {domain:String}
          AND src_domain != dst_domain
          AND (src_url, fetch_us) IN
          (
              -- include: current_fetches(targets: dst_domain = {domain:String})
          )
        LIMIT 1 BY src_url, dst_url, ordinal
    )
    GROUP BY src_domain
) AS current
ANY LEFT JOIN
(
    SELECT src_domain AS ref_domain, min(fetched_at) AS first_seen, max(fetched_at) AS last_seen
    FROM link_fetches
    WHERE dst_domain = {domain:String} AND src_domain != dst_domain
    GROUP BY src_domain
) AS history USING (ref_domain)
ORDER BY links DESC, ref_domain
