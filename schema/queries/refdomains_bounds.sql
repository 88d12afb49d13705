-- The referring domains of {domain} (its target in {mode}), each with `bound`: an upper bound
-- of its `links` in refdomains_report. The first {limit} by bound desc, src_domain: the
-- candidates of a first page of referring domains, crawler/analysis/refdomains.py reads exact
-- counts for them alone.
-- The whole domain (narrowed 0): domain_link_rows (migration 011), every link_fetches row from
-- the domain into {domain} over all fetches, counted as inserted: one row per referring domain
-- is read, not the target's range. A host, prefix or URL (narrowed 1): that target's own rows
-- of link_fetches (one column of the target's range), as the domain's would bound it loosely.
-- Not domain_edges: it counts distinct (src_url, dst_url) pairs, and a page linking one URL
-- twice (nav and footer) is two `links`, so a pair count can fall below the exact count.
-- Params: domain String, limit UInt64; mode String, target String, narrowed UInt8
-- (fragments/target_match.sql).
-- when: narrowed
SELECT src_domain, count() AS bound
FROM link_fetches
WHERE dst_domain = {domain:String} AND src_domain != dst_domain
  AND
  -- include: target_match()
GROUP BY src_domain
-- else: narrowed
SELECT src_domain, sum(link_rows) AS bound
FROM domain_link_rows
WHERE dst_domain = {domain:String}
GROUP BY src_domain
-- end: narrowed
ORDER BY bound DESC, src_domain
LIMIT {limit:UInt64}
