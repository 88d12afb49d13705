-- The current link set's key: (url, fetch_us) of the latest fetch of each page that has a link
-- matching $targets (a condition on link_fetches, e.g. dst_domain = {domain:String}). A
-- link_fetches row whose (src_url, fetch_us) is IN this set is on its page's latest fetch: a
-- current link. A recrawl replaces a page's whole link set; history views keep every fetch.
-- The set is narrowed to the pages linking into the targets first, so a query scans one
-- domain's sources, not every page ever fetched. A subquery, not a CTE: clickhouse-server 18.16
-- has no CTE tables.
-- A named query includes it in parentheses, on a line of its own:
--       AND (src_url, fetch_us) IN
--       (
--           -- include: current_fetches(targets: dst_domain = {domain:String})
--       )
SELECT url, max(fetch_us)
FROM page_fetches
WHERE url IN (SELECT src_url FROM link_fetches WHERE $targets)
GROUP BY url
