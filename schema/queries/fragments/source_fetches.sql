-- The current fetches of the named source domains' pages: (url, fetch_us) of the latest fetch
-- of every page of {src_domains} (a Set(String) parameter), read by domain from domain_pages
-- (migration 013; a page's domain is its links' src_domain). The set for a first page's
-- shortlist; current_fetches.sql is the set for the whole target.
-- A named query includes it in parentheses, on a line of its own:
--       AND (src_url, fetch_us) IN
--       (
--           -- include: source_fetches()
--       )
SELECT url, max(fetch_us)
FROM domain_pages
WHERE domain IN {src_domains:Set(String)}
GROUP BY url
