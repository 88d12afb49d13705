-- Every link row of {domain} from another domain, over every fetch, in its target mode: at most
-- {limit} of them, as stored (no order). A small target's backlinks are joined from these in
-- crawler/analysis/lookup.py: a key range read flat, with no join or subquery to plan (a
-- report's subqueries cost chDB ~10 ms each to plan, however few rows they read; bench/RESULTS.md,
-- issue 17). dofollow: as backlinks_report's; anchor_match: 1 when the anchor contains
-- {anchor_contains} (case-insensitive, as backlinks_report's filter; 1 when it is empty);
-- unscored: a Float64 0, the score of a name not scored as the engine gives it (the report's
-- join default: chDB's JSON gives an integral Float64 as an integer, 18.16 a float).
-- Params: domain String, anchor_contains String, limit UInt64.
-- mode String, target String: the target in its mode (fragments/target_match.sql).
SELECT
    src_url, src_domain, dst_url, fetch_us, fetched_at, ordinal, anchor, rel, section, kind,
    toUInt8(nofollow = 0 AND ugc = 0 AND sponsored = 0 AND page_nofollow = 0) AS dofollow,
    toUInt8({anchor_contains:String} = ''
            OR position(lowerUTF8(anchor), lowerUTF8({anchor_contains:String})) > 0)
        AS anchor_match,
    toFloat64(0) AS unscored
FROM link_fetches
WHERE dst_domain = {domain:String}
  AND
  -- include: target_match()
  AND src_domain != dst_domain
LIMIT {limit:UInt64}
