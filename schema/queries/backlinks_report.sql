-- Backlinks of {domain} with the filters of `linkgraph backlinks`; one row per link occurrence.
-- status 'live': on the source page's latest fetch; 'lost': on an earlier fetch of the page and
-- gone from a later one (lost_at: the first fetch that showed it gone; only with lost_since).
-- dofollow: no nofollow/ugc/sponsored token and the page did not say nofollow.
-- authority: the source domain's authority in the latest `linkgraph authority` run, the log of
-- its PageRank mapped to 0-100 over the run's domains; page_authority: the source page's, the
-- same scale over the run's pages (fragments/authority_scores.sql, docs/AUTHORITY.md; 0 when no
-- run or not scored). country: see refdomains_report.sql.
-- first_seen/last_seen: the (src_url, dst_url) pair over every fetch. Live rows take them from
-- the scan that finds the current occurrences (grouped by pair, the current fetch's occurrences
-- gathered by groupArrayIf, then ARRAY JOIN): a second scan of the target's links cost the most
-- linked domain's first page ~375 ms at 100M on clickhouse-server 18.16 (bench/RESULTS.md,
-- issue 17). Lost rows join the pair's history. section and kind are cast to String: 18.16
-- drops LowCardinality inside the tuple, and the union with lost rows takes one type.
-- reason, reason_detail: why a lost link was lost (fragments/lost_links.sql: a page failing
-- fewer than {lost_after_errors} fetches in a row has lost nothing yet); '' for live links.
-- Params (a 0 / '' value turns a filter off):
--   domain String; dofollow UInt8 (1: dofollow only); rel String (has this rel token);
--   section String; kind String; anchor_contains String (case-insensitive substring);
--   min_authority Float64; country String (ISO 3166 alpha-2, upper case);
--   new_since DateTime (live links first seen at or after); lost_since DateTime (lost links
--   lost at or after, instead of live ones unless new_since is set too);
--   one_per_domain UInt8 (the first row of each source domain); limit UInt64 (0: all);
--   src_domains Set(String) (empty: all; else only links from these source domains: the
--   first page's shortlist, crawler/analysis/shortlist.py).
-- Order: authority desc, src_domain, live before lost, dofollow first, src_url, dst_url, ordinal.
-- mode String, target String: the target in its mode (fragments/target_match.sql).
-- lost_after_errors UInt32: LINKGRAPH_LOST_AFTER_ERRORS.
-- The lost links' part (`-- when: lost_since`) is rendered only when lost_since is set
-- (pipelines/sqlparams.py): planned, its joins and IN subqueries cost a plain page most of its
-- time (bench/RESULTS.md, issue 17) for no row.
-- With src_domains given (`-- when: src_domains`, else the whole query's lookups), every
-- lookup reads the shortlist's domains, never link_fetches: langs and the domain authority take
-- src_domains as they are, and the current fetches and the page authority take every page of
-- those domains (domain_pages, migration 013: a page's domain is its links' src_domain; the
-- fragments source_fetches and source_langs): a lookup row of a domain or page
-- with no link here joins nothing. Each link_fetches read of the target's range (1.25M rows for
-- the most linked domain at 10M) had a fixed cost, and clickhouse-server 18.16 read no key
-- through s7-a's `OR ... AND empty(src_domains)` (bench/RESULTS.md, issue 17). Without them the
-- links' filter on src_domain is left out too (no empty set to build and test each row with).
SELECT
    src_url, src_domain, dst_url, ordinal, anchor, rel, section, kind, dofollow, authority,
    page_authority, country, first_seen, last_seen, status, lost_at, reason, reason_detail
FROM
(
    SELECT
        src_url, src_domain, dst_url, ordinal, anchor, rel, section, kind, dofollow, status,
        lost_at, reason, reason_detail, first_seen, last_seen, authority, lang,
        multiIf(
            length(splitByChar('.', src_domain)[-1]) = 2
                AND splitByChar('.', src_domain)[-1] NOT IN
                    ('ai', 'am', 'cc', 'co', 'eu', 'fm', 'gg', 'io', 'ly', 'me', 'su', 'to', 'tv', 'ws'),
            if(splitByChar('.', src_domain)[-1] = 'uk', 'GB', upper(splitByChar('.', src_domain)[-1])),
            length(splitByChar('-', replaceAll(lower(lang), '_', '-'))[2]) = 2,
            upper(splitByChar('-', replaceAll(lower(lang), '_', '-'))[2]),
            transform(splitByChar('-', replaceAll(lower(lang), '_', '-'))[1],
                ['cs', 'da', 'de', 'el', 'es', 'fi', 'fr', 'he', 'hu', 'it', 'ja', 'ko', 'nb', 'nl',
                 'nn', 'no', 'pl', 'pt', 'ro', 'ru', 'sk', 'sv', 'tr', 'uk', 'zh'],
                ['CZ', 'DK', 'DE', 'GR', 'ES', 'FI', 'FR', 'IL', 'HU', 'IT', 'JP', 'KR', 'NO', 'NL',
                 'NO', 'NO', 'PL', 'PT', 'RO', 'RU', 'SK', 'SE', 'TR', 'UA', 'CN'],
                '')) AS country
    FROM
    (
        SELECT *
        FROM
        (
            SELECT
                src_url, src_domain, dst_url, tupleElement(occurrence, 1) AS ordinal,
                tupleElement(occurrence, 2) AS anchor, tupleElement(occurrence, 3) AS rel,
                CAST(tupleElement(occurrence, 4) AS String) AS section,
                CAST(tupleElement(occurrence, 5) AS String) AS kind,
                tupleElement(occurrence, 6) AS dofollow,
                'live' AS status, toDateTime(0, 'UTC') AS lost_at, '' AS reason,
                '' AS reason_detail, first_seen, last_seen
            FROM
            (
                SELECT
                    src_url, dst_url, src_domain,
                    min(fetched_at) AS first_seen, max(fetched_at) AS last_seen,
                    groupArrayIf(
                        (ordinal, anchor, rel, section, kind,
                         toUInt8(nofollow = 0 AND ugc = 0 AND sponsored = 0 AND page_nofollow = 0)),
                        (src_url, fetch_us) IN
                        (
                            -- when: src_domains
                            -- include: source_fetches()
                            -- else: src_domains
                            -- include: current_fetches(targets: dst_domain = {domain:String})
                            -- end: src_domains
                        )) AS occurrences
                FROM link_fetches
                WHERE dst_domain = {domain:String}
                  AND
                  -- include: target_match()
                  AND src_domain != dst_domain
                  -- when: src_domains
                  AND src_domain IN {src_domains:Set(String)}
                  -- end: src_domains
                  AND (toUInt32({lost_since:DateTime}) = 0 OR toUInt32({new_since:DateTime}) > 0)
                GROUP BY src_url, dst_url, src_domain
            )
            ARRAY JOIN occurrences AS occurrence
            LIMIT 1 BY src_url, dst_url, ordinal
            -- when: lost_since
            UNION ALL
            SELECT
                src_url, src_domain, dst_url, ordinal, anchor, rel, CAST(section AS String),
                CAST(kind AS String), dofollow, status, lost_at, reason, reason_detail, first_seen,
                last_seen
            FROM
            (
                SELECT
                    src_url, src_domain, dst_url, ordinal, anchor, rel, section, kind, dofollow,
                    'lost' AS status, lost_at, lost_reason AS reason, lost_detail AS reason_detail
                FROM
                (
                    SELECT
                        src_url, src_domain, dst_url, ordinal, anchor, rel, section, kind,
                        toUInt8(nofollow = 0 AND ugc = 0 AND sponsored = 0 AND page_nofollow = 0)
                            AS dofollow,
                        fetch_us AS last_us
                    FROM link_fetches
                    WHERE dst_domain = {domain:String}
                      AND
                      -- include: target_match()
                      AND src_domain != dst_domain
                      -- when: src_domains
                      AND src_domain IN {src_domains:Set(String)}
                      -- end: src_domains
                      AND toUInt32({lost_since:DateTime}) > 0
                    LIMIT 1 BY src_url, dst_url, fetch_us, ordinal
                ) AS carried
                ALL INNER JOIN
                (
                    SELECT src_url, dst_url, last_us, lost_at, lost_reason, lost_detail
                    FROM
                    (
                        -- when: src_domains
                        -- include: lost_links(targets: dst_domain = {domain:String} AND toUInt32({lost_since:DateTime}) > 0 AND src_domain IN {src_domains:Set(String)}; errors: {lost_after_errors:UInt32})
                        -- else: src_domains
                        -- include: lost_links(targets: dst_domain = {domain:String} AND toUInt32({lost_since:DateTime}) > 0; errors: {lost_after_errors:UInt32})
                        -- end: src_domains
                    )
                    WHERE lost_at >= {lost_since:DateTime}
                      AND
                      -- include: target_match()
                ) AS lost USING (src_url, dst_url, last_us)
            ) AS lost_occurrences
            ANY LEFT JOIN
            (
                SELECT src_url, dst_url, min(fetched_at) AS first_seen, max(fetched_at) AS last_seen
                FROM link_fetches
                WHERE dst_domain = {domain:String} AND src_domain != dst_domain
                  -- when: src_domains
                  AND src_domain IN {src_domains:Set(String)}
                  -- end: src_domains
                GROUP BY src_url, dst_url
            ) AS history USING (src_url, dst_url)
            -- end: lost_since
        ) AS dated
        ANY LEFT JOIN
        (
            -- include: source_langs()
        ) AS langs USING (src_domain)
    ) AS described
    ANY LEFT JOIN
    (
        SELECT domain AS src_domain, authority
        FROM
        (
            -- when: src_domains
            -- include: authority_scores(table: domain_authority; key: domain; names: domain IN {src_domains:Set(String)})
            -- else: src_domains
            -- include: authority_scores(table: domain_authority; key: domain; names: domain IN (SELECT src_domain FROM link_fetches WHERE dst_domain = {domain:String}))
            -- end: src_domains
        )
    ) AS scores USING (src_domain)
) AS scored
ANY LEFT JOIN
(
    SELECT url AS src_url, authority AS page_authority
    FROM
    (
        -- when: src_domains
        -- include: authority_scores(table: page_authority; key: url; names: url IN (SELECT url FROM domain_pages WHERE domain IN {src_domains:Set(String)}))
        -- else: src_domains
        -- include: authority_scores(table: page_authority; key: url; names: url IN (SELECT src_url FROM link_fetches WHERE dst_domain = {domain:String}))
        -- end: src_domains
    )
) AS page_scores USING (src_url)
WHERE (toUInt32({new_since:DateTime}) = 0 OR status = 'lost' OR first_seen >= {new_since:DateTime})
  AND ({dofollow:UInt8} = 0 OR dofollow = 1)
  AND ({rel:String} = '' OR has(rel, lower({rel:String})))
  AND ({section:String} = '' OR section = {section:String})
  AND ({kind:String} = '' OR kind = {kind:String})
  AND ({anchor_contains:String} = ''
       OR position(lowerUTF8(anchor), lowerUTF8({anchor_contains:String})) > 0)
  AND authority >= {min_authority:Float64}
  AND ({country:String} = '' OR country = upper({country:String}))
ORDER BY authority DESC, src_domain, status, dofollow DESC, src_url, dst_url, ordinal
LIMIT 1 BY
    src_domain,
    if({one_per_domain:UInt8} = 1, '', src_url),
    if({one_per_domain:UInt8} = 1, '', dst_url),
    if({one_per_domain:UInt8} = 1, 0, ordinal),
    if({one_per_domain:UInt8} = 1, '', status)
LIMIT {limit:UInt64}
