-- The referring domains of {domain} (its target in {mode}), each with `bound`: an upper bound
-- of its `links` in refdomains_report (every link_fetches row from it into the target, self-links
-- excluded, over all fetches: the current occurrences, counted once each, are some of these
-- rows). The first {limit} by bound desc, src_domain: the candidates of a first page of
-- referring domains, crawler/analysis/refdomains.py reads exact counts for them alone.
-- Not domain_edges: it counts distinct (src_url, dst_url) pairs, and a page linking one URL
-- twice (nav and footer) is two `links`, so a pair count can fall below the exact count.
-- Reads one column (src_domain) of the target's range: no page_fetches, no sets of URLs.
-- Params: domain String, limit UInt64; mode String, target String (fragments/target_match.sql).
SELECT src_domain, count() AS bound
FROM link_fetches
WHERE dst_domain = {domain:String} AND src_domain != dst_domain
  AND
  -- include: target_match()
GROUP BY src_domain
ORDER BY bound DESC, src_domain
LIMIT {limit:UInt64}
