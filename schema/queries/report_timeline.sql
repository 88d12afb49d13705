-- Referring domains of {domain} over time: per day, the domains first seen linking to it that
-- day (any fetch, self-links excluded). Params: domain String.
SELECT toDate(first_seen) AS day, count() AS new_domains
FROM
(
    SELECT src_domain, min(fetched_at) AS first_seen
    FROM link_fetches
    WHERE dst_domain = {domain:String} AND src_domain != dst_domain
    GROUP BY src_domain
)
GROUP BY day
ORDER BY day
