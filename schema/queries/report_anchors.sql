-- The {top} most used anchors of {domain}'s current backlinks (self-links excluded; '' is no
-- text), with links and referring domains. Params: domain String, top UInt32.
SELECT anchor, count() AS links, uniqExact(src_domain) AS ref_domains
FROM
(
    SELECT src_url, src_domain, dst_url, ordinal, anchor
    FROM link_fetches
    WHERE dst_domain = {domain:String}
      AND src_domain != dst_domain
      AND (src_url, fetch_us) IN
      (
          -- include: current_fetches(targets: dst_domain = {domain:String})
      )
    LIMIT 1 BY src_url, dst_url, ordinal
)
GROUP BY anchor
ORDER BY links DESC, anchor
LIMIT {top:UInt32}
