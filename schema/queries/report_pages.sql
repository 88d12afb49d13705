-- The {top} pages of {domain} with the most referring domains (current backlinks, self-links
-- excluded). Params: domain String, top UInt32.
SELECT dst_url, uniqExact(src_domain) AS ref_domains, count() AS links
FROM
(
    SELECT src_url, src_domain, dst_url, ordinal
    FROM link_fetches
    WHERE dst_domain = {domain:String}
      AND src_domain != dst_domain
      AND (src_url, fetch_us) IN
      (
          -- include: current_fetches(targets: dst_domain = {domain:String})
      )
    LIMIT 1 BY src_url, dst_url, ordinal
)
GROUP BY dst_url
ORDER BY ref_domains DESC, links DESC, dst_url
LIMIT {top:UInt32}
