-- Referring IPs and subnets of {domain} (the target in its mode, fragments/target_match.sql)
-- for `linkgraph ips`: per server address of the pages linking to it now (each page's latest
-- fetch; `ip`, migration 007): the referring domains and pages served from it and the current
-- links on those pages (crawler/analysis/addresses.py adds the subnet and its totals).
-- Pages with no address (nothing received, fetched before 007, imported) are left out; behind
-- --proxy every page has the proxy's address.
-- Params: domain String, mode String, target String. Order: ref_domains desc, ip.
SELECT
    ip,
    uniqExact(src_domain) AS ref_domains,
    uniqExact(src_url) AS ref_pages,
    count() AS links,
    arraySort(groupUniqArray(src_domain)) AS domains
FROM
(
    SELECT src_url, src_domain, dst_url, ordinal
    FROM link_fetches
    WHERE dst_domain = {domain:String} AND src_domain != dst_domain
      AND
      -- include: target_match()
      AND (src_url, fetch_us) IN
      (
          -- include: current_fetches(targets: dst_domain = {domain:String})
      )
    LIMIT 1 BY src_url, dst_url, ordinal
) AS current
ALL INNER JOIN
(
    SELECT url AS src_url, argMax(ip, fetch_us) AS ip
    FROM page_fetches
    WHERE url IN (SELECT src_url FROM link_fetches WHERE dst_domain = {domain:String})
    GROUP BY url
    HAVING ip != ''
) AS addresses USING (src_url)
GROUP BY ip
ORDER BY ref_domains DESC, ip
