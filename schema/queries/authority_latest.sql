-- Domain authority of the latest `linkgraph authority` run (empty before the first run).
SELECT domain, pagerank, harmonic, rank, trustrank
FROM domain_authority
WHERE computed_at = (SELECT max(computed_at) FROM authority_runs WHERE level = 'domain_authority')
ORDER BY rank
