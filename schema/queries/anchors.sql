-- Anchor text distribution of {domain}'s current backlinks (self-links excluded), one row per
-- anchor: links (occurrences), ref_domains (distinct source domains), share (of all links).
-- anchor_type, the first rule that applies (anchors compared lower-cased):
--   empty:   no text (an image without alt, a frame, a redirect);
--   url:     looks like a URL or a host name (http://..., www...., name.tld[/path]);
--   exact:   equals one of {keywords} (the exact-match terms you rank for);
--   branded: contains the domain's name, letters and digits only (greengarden.co.uk: an anchor
--            "Green Garden Blog" -> "greengardenblog" contains "greengarden");
--   generic: one of the generic phrases listed below (click here, read more, website, ...);
--   other:   anything else (partial matches, descriptive text).
-- Params: domain String, keywords Array(String) (may be empty).
-- mode String, target String: the target in its mode (fragments/target_match.sql).
SELECT
    row.1 AS anchor, row.2 AS anchor_type, row.3 AS links, row.4 AS ref_domains,
    round(row.3 / total, 4) AS share
FROM
(
    SELECT groupArray((anchor, anchor_type, links, ref_domains)) AS rows, sum(links) AS total
    FROM
    (
        SELECT
            anchor,
            multiIf(
                anchor = '', 'empty',
                match(lowerUTF8(anchor), '^(https?://|www\\.)\\S*$')
                    OR match(lowerUTF8(anchor), '^[a-z0-9-]+(\\.[a-z0-9-]+)*\\.[a-z]{2,}(/\\S*)?$'),
                'url',
                has(arrayMap(k -> lowerUTF8(k), CAST({keywords:Array(String)} AS Array(String))),
                    lowerUTF8(anchor)),
                'exact',
                length(replaceRegexpAll(splitByChar('.', {domain:String})[1], '[^a-z0-9]', '')) > 0
                    AND position(replaceRegexpAll(lowerUTF8(anchor), '[^a-z0-9]', ''),
                        replaceRegexpAll(splitByChar('.', {domain:String})[1], '[^a-z0-9]', '')) > 0,
                'branded',
                has(['article', 'click', 'click here', 'continue', 'continue reading', 'details',
                     'download', 'go', 'here', 'home', 'home page', 'homepage', 'info',
                     'learn more', 'link', 'more', 'more info', 'official site', 'page',
                     'read more', 'see more', 'site', 'source', 'this', 'this link', 'this page',
                     'this site', 'visit', 'visit site', 'visit website', 'web site', 'website'],
                    lowerUTF8(anchor)),
                'generic',
                'other') AS anchor_type,
            count() AS links,
            uniqExact(src_domain) AS ref_domains
        FROM
        (
            SELECT src_domain, src_url, dst_url, ordinal, anchor
            FROM link_fetches
            WHERE dst_domain = {domain:String}
              AND
              -- include: target_match()
              AND src_domain != dst_domain
              AND (src_url, fetch_us) IN
              (
                  -- include: current_fetches(targets: dst_domain = {domain:String})
              )
            LIMIT 1 BY src_url, dst_url, ordinal
        )
        GROUP BY anchor
    )
)
ARRAY JOIN rows AS row
ORDER BY links DESC, anchor
