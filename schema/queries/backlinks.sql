-- Backlinks of a domain: every current link occurrence pointing into {domain} from another
-- domain, with when that (src_url, dst_url) pair was first and last seen in any fetch.
-- Params: domain String.
SELECT
    src_url, src_domain, dst_url, anchor, rel, section, kind, nofollow,
    first_seen, last_seen
FROM
(
    SELECT src_url, src_domain, dst_url, ordinal, anchor, rel, section, kind, nofollow
    FROM link_fetches
    WHERE dst_domain = {domain:String}
      AND src_domain != dst_domain
      AND (src_url, fetch_us) IN
      (
          -- include: current_fetches(targets: dst_domain = {domain:String})
      )
    LIMIT 1 BY src_url, dst_url, ordinal
) AS current
ANY LEFT JOIN
(
    SELECT src_url, dst_url, min(fetched_at) AS first_seen, max(fetched_at) AS last_seen
    FROM link_fetches
    WHERE dst_domain = {domain:String} AND src_domain != dst_domain
    GROUP BY src_url, dst_url
) AS history USING (src_url, dst_url)
ORDER BY dst_url, src_url, ordinal
