-- The source domains of {domain} in backlinks_report's order (authority desc, src_domain), the
-- first {limit}, each with `links`: its link_fetches rows into {domain} over every fetch
-- (domain_link_rows, migration 011: one row per referring domain, no link of the target is
-- read), at least its current link occurrences. A first page of backlinks comes from the first
-- few: crawler/analysis/shortlist.py reads only theirs (a count too high only makes it read
-- again with more). authority: as backlinks_report's (0 when not scored).
-- Params: domain String, limit UInt64.
SELECT src_domain, links, authority
FROM
(
    SELECT src_domain, sum(link_rows) AS links
    FROM domain_link_rows
    WHERE dst_domain = {domain:String}
    GROUP BY src_domain
) AS edges
ANY LEFT JOIN
(
    SELECT domain AS src_domain, authority
    FROM
    (
        -- include: authority_scores(table: domain_authority; key: domain; names: domain IN (SELECT src_domain FROM domain_link_rows WHERE dst_domain = {domain:String}))
    )
) AS scores USING (src_domain)
ORDER BY authority DESC, src_domain
LIMIT {limit:UInt64}
