-- {domain}'s current backlinks (self-links excluded) by section and follow status, for the
-- report's summary, dofollow share and sections chart. dofollow: no nofollow/ugc/sponsored on a
-- page that did not say nofollow. Params: domain String.
SELECT
    section,
    count() AS links,
    sum(nofollow = 0 AND ugc = 0 AND sponsored = 0 AND page_nofollow = 0) AS dofollow,
    uniqExact(src_domain) AS ref_domains,
    uniqExact(src_url) AS ref_pages
FROM
(
    SELECT src_url, src_domain, dst_url, ordinal, section, nofollow, ugc, sponsored, page_nofollow
    FROM link_fetches
    WHERE dst_domain = {domain:String}
      AND src_domain != dst_domain
      AND (src_url, fetch_us) IN
      (
          -- include: current_fetches(targets: dst_domain = {domain:String})
      )
    LIMIT 1 BY src_url, dst_url, ordinal
)
GROUP BY section
ORDER BY links DESC, section
