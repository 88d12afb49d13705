-- Link template of each domain referring to {domain}: the sorted distinct dom_paths of every
-- current link on its pages that link to {domain} (imported links, which have none, left out).
-- Params: domain String.
SELECT src_domain, arrayStringConcat(arraySort(groupUniqArray(dom_path)), ' ') AS template
FROM link_fetches
WHERE src_url IN
  (
      SELECT src_url FROM link_fetches
      WHERE dst_domain = {domain:String} AND src_domain != dst_domain
  )
  AND (src_url, fetch_us) IN
  (
      -- include: current_fetches(targets: dst_domain = {domain:String})
  )
  AND dom_path != ''
GROUP BY src_domain
ORDER BY src_domain
