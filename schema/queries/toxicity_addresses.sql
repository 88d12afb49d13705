-- Server addresses of the domains referring to {domain}: per referring domain and address, how
-- many of its pages linking to {domain} (from another domain, in any fetch) were served from it
-- in their latest fetch. Pages fetched before migration 007, or with nothing received, have no
-- address and are left out; so are imported links' pages, never fetched. The toxicity signal
-- `shared_address` groups these by block (IPv4 /24, IPv6 /48). Params: domain String.
SELECT src_domain, ip, count() AS pages
FROM
(
    SELECT url, argMax(domain, fetch_us) AS src_domain, argMax(ip, fetch_us) AS ip
    FROM page_fetches
    WHERE url IN
    (
        SELECT src_url FROM link_fetches
        WHERE dst_domain = {domain:String} AND src_domain != dst_domain
    )
    GROUP BY url
)
WHERE ip != ''
GROUP BY src_domain, ip
ORDER BY src_domain, ip
