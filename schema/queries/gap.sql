-- Link gap: referring domains that currently link to at least {min_k} of {competitors} and have
-- never (in any fetch) linked to {domain}. Self-links never count; {domain} itself is excluded.
-- The example is the smallest (src_url, dst_url, ordinal) among the domain's current links.
-- Params: domain String, competitors Array(String), min_k UInt32.
SELECT
    src_domain AS ref_domain,
    arraySort(groupUniqArray(dst_domain)) AS competitors,
    length(competitors) AS competitor_count,
    argMin(src_url, (src_url, dst_url, ordinal)) AS example_src_url,
    argMin(dst_url, (src_url, dst_url, ordinal)) AS example_dst_url,
    argMin(anchor, (src_url, dst_url, ordinal)) AS example_anchor
FROM
(
    SELECT src_domain, dst_domain, src_url, dst_url, ordinal, anchor
    FROM link_fetches
    WHERE dst_domain IN (SELECT arrayJoin({competitors:Array(String)}))
      AND src_domain != dst_domain
      AND src_domain != {domain:String}
      AND (src_url, fetch_us) IN
      (
          -- include: current_fetches(targets: dst_domain IN (SELECT arrayJoin({competitors:Array(String)})))
      )
      AND src_domain NOT IN (SELECT src_domain FROM link_fetches WHERE dst_domain = {domain:String})
)
GROUP BY src_domain
HAVING competitor_count >= {min_k:UInt32}
ORDER BY competitor_count DESC, ref_domain
