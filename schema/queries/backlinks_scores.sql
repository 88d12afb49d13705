-- The latest `linkgraph authority` run's authority of the domains {src_domains} and the pages
-- {src_urls}: `level` ('domain' or 'page'), `name`, `authority`, as backlinks_report reads them
-- (fragments/authority_scores.sql). For crawler/analysis/lookup.py; a name not scored has no row.
-- Params: src_domains Set(String), src_urls Set(String).
SELECT 'domain' AS level, domain AS name, authority
FROM
(
    -- include: authority_scores(table: domain_authority; key: domain; names: domain IN {src_domains:Set(String)})
)
UNION ALL
SELECT 'page' AS level, url AS name, authority
FROM
(
    -- include: authority_scores(table: page_authority; key: url; names: url IN {src_urls:Set(String)})
)
