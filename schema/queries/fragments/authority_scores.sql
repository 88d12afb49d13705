-- The latest `linkgraph authority` run's domain authority, 0-100 (100 * pagerank / the run's
-- highest pagerank, 0 with no run): `domain, authority` of the domains matching $domains (a
-- condition on domain_authority's `domain`).
-- The ratio is taken in an outer SELECT over a subquery, never in the select list of the query
-- reading domain_authority: on a cluster that table is Distributed, and clickhouse-server 18.16
-- sends a scalar subquery there to the shards as its value while the initiator expects the
-- column under the subquery's name: "Not found column toFloat64(ifNull(round(divide(multiply(
-- 100, pagerank), _subquery..." (code 10), once `authority` has stored scores.
-- A named query includes it in parentheses, on a line of its own:
--       (
--           -- include: domain_scores(domains: domain IN (SELECT ...))
--       ) AS scores
SELECT domain,
       toFloat64(ifNull(round(100 * pagerank / (SELECT max(pagerank) FROM domain_authority
           WHERE computed_at = (SELECT max(computed_at) FROM domain_authority)), 2), 0))
       AS authority
FROM
(
    SELECT domain, pagerank
    FROM domain_authority
    WHERE computed_at = (SELECT max(computed_at) FROM domain_authority) AND $domains
)
