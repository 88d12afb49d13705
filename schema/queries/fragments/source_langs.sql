-- The language of each source domain: `src_domain, lang`, the most common lower-cased non-empty
-- <html lang> of its pages answering 200 (each page counted once; ties by name), for the
-- domains of {src_domains} when the parameter is set, else every domain linking into
-- {domain:String}. Read by domain from domain_pages (migration 013). The country columns of
-- backlinks_report and refdomains_report derive from it.
-- A named query includes it in parentheses, on a line of its own:
--       ANY LEFT JOIN
--       (
--           -- include: source_langs()
--       ) AS langs USING (src_domain)
SELECT src_domain, argMax(page_lang, (n, page_lang)) AS lang
FROM
(
    SELECT domain AS src_domain, lower(lang) AS page_lang, uniqExact(url) AS n
    FROM domain_pages
    -- when: src_domains
    WHERE domain IN {src_domains:Set(String)}
    -- else: src_domains
    WHERE domain IN (SELECT src_domain FROM link_fetches WHERE dst_domain = {domain:String})
    -- end: src_domains
      AND status = 200 AND lang != ''
    GROUP BY src_domain, page_lang
)
GROUP BY src_domain
