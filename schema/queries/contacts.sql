-- Contacts of the referring domains of {domain} (the target in its mode,
-- fragments/target_match.sql) for `linkgraph contacts`: per domain linking to it now (current
-- links from other domains), the e-mail addresses of the mailto: links on its crawled pages
-- (`emails` of each page's latest fetch, migration 010) and its contact pages: crawled URLs
-- answering 2xx whose path matches {contact_path} (an re2 pattern, crawler/analysis/contacts.py).
-- ref_pages/links: its pages linking to the target now and their link occurrences; pages: its
-- crawled URLs (not those robots.txt forbids: stored with status 0, never fetched). A referring domain with neither addresses nor contact pages is listed too.
-- Params: domain String, mode String, target String, contact_path String.
-- Order: links desc, ref_domain.
SELECT
    ref_domain,
    ref_pages,
    links,
    emails,
    contact_pages,
    pages
FROM
(
    SELECT
        src_domain AS ref_domain,
        uniqExact(src_url) AS ref_pages,
        count() AS links
    FROM
    (
        SELECT src_url, src_domain, dst_url, ordinal
        FROM link_fetches
        WHERE dst_domain = {domain:String} AND src_domain != dst_domain
          AND
          -- include: target_match()
          AND (src_url, fetch_us) IN
          (
              -- include: current_fetches(targets: dst_domain = {domain:String})
          )
        LIMIT 1 BY src_url, dst_url, ordinal
    )
    GROUP BY src_domain
) AS referring
ALL LEFT JOIN
(
    SELECT
        page_domain AS ref_domain,
        arraySort(groupUniqArrayArray(page_emails)) AS emails,
        arraySort(groupArrayIf(url, page_status >= 200 AND page_status < 300
                                    AND match(path(url), {contact_path:String})))
            AS contact_pages,
        countIf(NOT (page_status = 0 AND startsWith(lower(page_error), 'robots'))) AS pages
    FROM
    (
        SELECT
            url,
            argMax(domain, fetch_us) AS page_domain,
            argMax(status, fetch_us) AS page_status,
            argMax(error, fetch_us) AS page_error,
            argMax(emails, fetch_us) AS page_emails
        FROM page_fetches
        WHERE domain IN (SELECT src_domain FROM link_fetches WHERE dst_domain = {domain:String})
        GROUP BY url
    )
    GROUP BY page_domain
) AS found USING (ref_domain)
ORDER BY links DESC, ref_domain
