-- {domain}'s current backlinks in one row: links, dofollow links, referring domains and pages,
-- target pages. Params: domain String.
SELECT
    count() AS links,
    sum(nofollow = 0 AND ugc = 0 AND sponsored = 0 AND page_nofollow = 0) AS dofollow,
    uniqExact(src_domain) AS ref_domains,
    uniqExact(src_url) AS ref_pages,
    uniqExact(dst_url) AS target_pages
FROM
(
    SELECT src_url, src_domain, dst_url, ordinal, nofollow, ugc, sponsored, page_nofollow
    FROM link_fetches
    WHERE dst_domain = {domain:String}
      AND src_domain != dst_domain
      AND (src_url, fetch_us) IN
      (
          -- include: current_fetches(targets: dst_domain = {domain:String})
      )
    LIMIT 1 BY src_url, dst_url, ordinal
)
