-- Every fetch of every page of {src_domains}, flat, from domain_pages (migration 013: a page's
-- domain is its links' src_domain): `domain, url, fetch_us, status, lang` (lang lower-cased as
-- fragments/source_langs.sql does). crawler/analysis/lookup.py finds each page's latest fetch
-- (fragments/source_fetches.sql's set) and each domain's language (source_langs') from them.
-- Params: src_domains Set(String).
SELECT domain, url, fetch_us, status, lower(lang) AS lang
FROM domain_pages
WHERE domain IN {src_domains:Set(String)}
