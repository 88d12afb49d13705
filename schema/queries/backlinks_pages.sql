-- What crawler/analysis/lookup.py needs of a small target's source pages and domains, from
-- domain_pages (migration 013: a page's domain is its links' src_domain), in one flat read each:
--   kind 'fetch': name = a page of {src_urls}, latest = the fetch_us of its latest fetch (the
--     set fragments/source_fetches.sql gives, for the linking pages only);
--   kind 'lang': name = a domain of {src_domains}, lang = its language
--     (fragments/source_langs.sql; a domain with no 200 page with a lang has no row).
-- Cast to String: the two parts' LowCardinality columns must agree for clickhouse-server 18.16.
-- Params: src_domains Set(String), src_urls Set(String); domain String (the target: source_langs
-- names it for a caller without src_domains, which this query always has).
SELECT 'fetch' AS kind, url AS name, '' AS lang, max(fetch_us) AS latest
FROM domain_pages
WHERE domain IN {src_domains:Set(String)} AND url IN {src_urls:Set(String)}
GROUP BY url
UNION ALL
SELECT 'lang' AS kind, CAST(src_domain AS String) AS name, CAST(lang AS String) AS lang,
       toUInt64(0) AS latest
FROM
(
    -- include: source_langs()
)
