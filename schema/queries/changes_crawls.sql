-- New and lost backlinks of {domain} (self-links excluded) between two crawls: over the source
-- pages fetched by both crawls, the pairs (src_url, dst_url) on the page's latest fetch in
-- {to_crawl} and not in {from_crawl} (new), and the other way round (lost). Pages only one crawl
-- fetched say nothing. anchor, rel: of the later crawl for new, of the earlier one for lost.
-- Params: domain String, from_crawl String, to_crawl String. Order: change, src_url, dst_url.
-- mode String, target String: the target in its mode (fragments/target_match.sql).
SELECT
    if(in_to = 1, 'new', 'lost') AS change, src_url, src_domain, dst_url,
    if(in_to = 1, to_anchor, from_anchor) AS anchor, if(in_to = 1, to_rel, from_rel) AS rel
FROM
(
    SELECT
        src_url, src_domain, dst_url,
        max(side = 'to') AS in_to, max(side = 'from') AS in_from,
        argMinIf(anchor, ordinal, side = 'to') AS to_anchor,
        argMinIf(rel, ordinal, side = 'to') AS to_rel,
        argMinIf(anchor, ordinal, side = 'from') AS from_anchor,
        argMinIf(rel, ordinal, side = 'from') AS from_rel
    FROM
    (
        SELECT
            src_url, src_domain, dst_url, ordinal, anchor, rel,
            if((src_url, fetch_us) IN
               (
                   -- include: crawl_fetches(crawl: {to_crawl:String}; other: {from_crawl:String})
               ), 'to', 'from') AS side
        FROM link_fetches
        WHERE dst_domain = {domain:String}
          AND
          -- include: target_match()
          AND src_domain != dst_domain
          AND ((src_url, fetch_us) IN
               (
                   -- include: crawl_fetches(crawl: {to_crawl:String}; other: {from_crawl:String})
               )
               OR (src_url, fetch_us) IN
               (
                   -- include: crawl_fetches(crawl: {from_crawl:String}; other: {to_crawl:String})
               ))
    ) AS sides
    GROUP BY src_url, src_domain, dst_url
) AS pairs
WHERE in_to != in_from
ORDER BY change, src_url, dst_url
