-- The domains {domain} links to (outgoing) for `linkgraph linked-domains`: current links of
-- its pages (each page's latest fetch) into other registrable domains, one row per domain.
-- links: occurrences; dofollow_links: without nofollow/ugc/sponsored on a page that did not
-- say nofollow; pages_linking: distinct pages of {domain}; pages_linked: distinct target URLs.
-- The links table is ordered by target: this reads {domain}'s rows by src_domain.
-- Params: domain String. Order: links desc, dst_domain.
SELECT
    dst_domain,
    count() AS links,
    countIf(nofollow = 0 AND ugc = 0 AND sponsored = 0 AND page_nofollow = 0) AS dofollow_links,
    uniqExact(src_url) AS pages_linking,
    uniqExact(dst_url) AS pages_linked
FROM
(
    SELECT src_url, dst_url, dst_domain, ordinal, nofollow, ugc, sponsored, page_nofollow
    FROM link_fetches
    WHERE src_domain = {domain:String} AND dst_domain != src_domain
      AND (src_url, fetch_us) IN
      (
          -- include: current_fetches(targets: src_domain = {domain:String})
      )
    LIMIT 1 BY src_url, dst_url, ordinal
)
GROUP BY dst_domain
ORDER BY links DESC, dst_domain
