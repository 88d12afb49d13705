-- Link velocity of {domain} (self-links excluded; the target in its mode,
-- fragments/target_match.sql) for `linkgraph velocity`: per period ({by}: day, week from
-- Monday, or month; UTC), one row per period with an event:
--   new_links:    (src_url, dst_url) pairs first seen in the period;
--   lost_links:   pairs lost in the period (fragments/lost_links.sql, its reasons' rules);
--   new_domains:  referring domains whose first link was first seen in the period;
--   lost_domains: referring domains whose every link is lost, the last of them in the period.
-- crawler/analysis/velocity.py fills the periods without events, the net and the burst flag.
-- Params: domain String, by String, lost_after_errors UInt32. Order: period.
-- mode String, target String: the target in its mode (fragments/target_match.sql).
SELECT
    period, sum(new_links) AS new_links, sum(lost_links) AS lost_links,
    sum(new_domains) AS new_domains, sum(lost_domains) AS lost_domains
FROM
(
    SELECT
        multiIf({by:String} = 'month', toStartOfMonth(first_seen),
                {by:String} = 'week', toMonday(first_seen), toDate(first_seen)) AS period,
        count() AS new_links, toUInt64(0) AS lost_links, toUInt64(0) AS new_domains,
        toUInt64(0) AS lost_domains
    FROM
    (
        SELECT src_url, dst_url, min(fetched_at) AS first_seen
        FROM link_fetches
        WHERE dst_domain = {domain:String} AND src_domain != dst_domain
          AND
          -- include: target_match()
        GROUP BY src_url, dst_url
    )
    GROUP BY period
    UNION ALL
    SELECT
        multiIf({by:String} = 'month', toStartOfMonth(first_seen),
                {by:String} = 'week', toMonday(first_seen), toDate(first_seen)) AS period,
        toUInt64(0) AS new_links, toUInt64(0) AS lost_links, count() AS new_domains,
        toUInt64(0) AS lost_domains
    FROM
    (
        SELECT src_domain, min(fetched_at) AS first_seen
        FROM link_fetches
        WHERE dst_domain = {domain:String} AND src_domain != dst_domain
          AND
          -- include: target_match()
        GROUP BY src_domain
    )
    GROUP BY period
    UNION ALL
    SELECT
        multiIf({by:String} = 'month', toStartOfMonth(lost_at),
                {by:String} = 'week', toMonday(lost_at), toDate(lost_at)) AS period,
        toUInt64(0) AS new_links, count() AS lost_links, toUInt64(0) AS new_domains,
        toUInt64(0) AS lost_domains
    FROM
    (
        SELECT src_url, dst_url, dst_host, lost_at
        FROM
        (
            -- include: lost_links(targets: dst_domain = {domain:String}; errors: {lost_after_errors:UInt32})
        )
        WHERE
            -- include: target_match()
    )
    GROUP BY period
    UNION ALL
    SELECT
        multiIf({by:String} = 'month', toStartOfMonth(domain_lost_at),
                {by:String} = 'week', toMonday(domain_lost_at), toDate(domain_lost_at)) AS period,
        toUInt64(0) AS new_links, toUInt64(0) AS lost_links, toUInt64(0) AS new_domains,
        count() AS lost_domains
    FROM
    (
        SELECT src_domain, max(lost_at) AS domain_lost_at
        FROM
        (
            SELECT src_url, dst_url, src_domain
            FROM link_fetches
            WHERE dst_domain = {domain:String} AND src_domain != dst_domain
              AND
              -- include: target_match()
            GROUP BY src_url, dst_url, src_domain
        ) AS pairs
        ANY LEFT JOIN
        (
            SELECT src_url, dst_url, lost_at
            FROM
            (
                -- include: lost_links(targets: dst_domain = {domain:String}; errors: {lost_after_errors:UInt32})
            )
        ) AS lost USING (src_url, dst_url)
        GROUP BY src_domain
        HAVING min(toUInt32(lost_at)) > 0
    )
    GROUP BY period
)
GROUP BY period
ORDER BY period
