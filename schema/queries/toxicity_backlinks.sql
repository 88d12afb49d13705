-- Toxicity signals' input: every current link occurrence into {domain} from another domain,
-- with its linking page's link count and language (the page's fetch that carried the link).
-- Params: domain String.
SELECT
    l.src_url AS src_url, src_domain, dst_url, anchor, section, dom_path, ordinal,
    p.outlink_count AS outlinks, p.lang AS lang
FROM
(
    SELECT src_url, src_domain, dst_url, ordinal, anchor, section, dom_path, fetch_us
    FROM link_fetches
    WHERE dst_domain = {domain:String}
      AND src_domain != dst_domain
      AND (src_url, fetch_us) IN
      (
          -- include: current_fetches(targets: dst_domain = {domain:String})
      )
    LIMIT 1 BY src_url, dst_url, ordinal
) AS l
ANY LEFT JOIN
(
    SELECT url AS src_url, fetch_us, outlink_count, lang
    FROM page_fetches
    WHERE url IN (SELECT src_url FROM link_fetches WHERE dst_domain = {domain:String})
) AS p USING (src_url, fetch_us)
ORDER BY src_domain, src_url, ordinal
