-- The latest `linkgraph authority` run's scores at one level: `$key, authority, trustrank,
-- trust_seed` of the rows of $table (domain_authority or page_authority, keyed by $key: domain
-- or url) matching $names (a condition on $key). Without a run: no rows (the reader shows 0).
-- authority: the log of PageRank mapped to 0-100 over the run's rows of that level
-- (docs/AUTHORITY.md): 100 * ln(pagerank / lowest) / ln(highest / lowest), rounded to
-- 2 decimals; the lowest scored is 0, the highest 100, and each step of x10 in PageRank
-- is the same step in authority (100 when every row has one PageRank).
-- trustrank: TrustRank from the run's --trust-seeds, 0 when the run had none; trust_seed: 1 on
-- the run's seeds (migration 009).
-- ifNull: chDB's scalar subquery over no rows (no run yet) is NULL, and a NULL authority fails
-- every `authority >= x` filter; it keeps the column a plain Float64 (0 where a join finds none).
-- The scale is taken in an outer SELECT over a subquery, never in the select list of the query
-- reading $table: on a cluster that table is Distributed, and clickhouse-server 18.16
-- sends a scalar subquery there to the shards as its value while the initiator expects the
-- column under the subquery's name: "Not found column toFloat64(ifNull(round(divide(multiply(
-- 100, pagerank), _subquery..." (code 10), once `authority` has stored scores.
-- A named query includes it in parentheses, on a line of its own:
--       (
--           -- include: authority_scores(table: domain_authority; key: domain; names: domain IN (SELECT ...))
--       ) AS scores
SELECT $key,
       (SELECT min(pagerank) FROM $table
           WHERE computed_at = (SELECT max(computed_at) FROM $table)) AS lowest,
       (SELECT max(pagerank) FROM $table
           WHERE computed_at = (SELECT max(computed_at) FROM $table)) AS highest,
       toFloat64(ifNull(round(if(highest > lowest,
                                 100 * log(pagerank / lowest) / log(highest / lowest), 100), 2), 0))
       AS authority,
       trustrank,
       trust_seed
FROM
(
    SELECT $key, pagerank, trustrank, trust_seed
    FROM $table
    WHERE computed_at = (SELECT max(computed_at) FROM $table) AND $names
)
