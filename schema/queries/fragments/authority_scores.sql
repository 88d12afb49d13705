-- The latest `linkgraph authority` run's scores at one level: `$key, authority, trustrank,
-- trust_seed` of the rows of $table (domain_authority or page_authority, keyed by $key: domain
-- or url) matching $names (a condition on $key). Without a run: no rows (the reader shows 0).
-- authority: the log of PageRank mapped to 0-100 over the run's rows of that level
-- (docs/AUTHORITY.md): 100 * ln(pagerank / lowest) / ln(highest / lowest), rounded to
-- 2 decimals; the lowest scored is 0, the highest 100, and each step of x10 in PageRank
-- is the same step in authority (100 when every row has one PageRank).
-- trustrank: TrustRank from the run's --trust-seeds, 0 when the run had none; trust_seed: 1 on
-- the run's seeds (migration 009).
-- The latest run is found by one join with its row of authority_runs (migration 012: its
-- computed_at, lowest and highest PageRank, written by the job once the run's scores are all
-- in), not by a pass over $table per query nor by scalar subqueries: clickhouse-server 18.16
-- sends a scalar subquery to a cluster's shards as its value while the initiator expects the
-- column under the subquery's name ("Not found column ... _subquery...", code 10). Without a
-- run the join finds none: no rows, and a reader's ANY LEFT JOIN shows 0.
-- A named query includes it in parentheses, on a line of its own:
--       (
--           -- include: authority_scores(table: domain_authority; key: domain; names: domain IN (SELECT ...))
--       ) AS scores
SELECT $key,
       toFloat64(round(if(highest > lowest,
                          100 * log(pagerank / lowest) / log(highest / lowest), 100), 2))
       AS authority,
       trustrank,
       trust_seed
FROM
(
    SELECT $key, pagerank, trustrank, trust_seed, computed_at
    FROM $table
    WHERE $names
) AS named
ALL INNER JOIN
(
    SELECT computed_at, lowest, highest
    FROM authority_runs
    WHERE level = '$table'
    ORDER BY computed_at DESC
    LIMIT 1
) AS run USING (computed_at)
