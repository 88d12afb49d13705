-- Referring domains of {domain} for `linkgraph refdomains` and `linkgraph local`: current links
-- (self-links excluded), one row per referring domain.
-- links: current link occurrences; dofollow_links: those without nofollow/ugc/sponsored on a
-- page that did not say nofollow; dofollow_share: dofollow_links / links; pages_linked: distinct
-- target URLs; first_seen/last_seen: over every fetch carrying a link from ref_domain to {domain};
-- authority: the log of the domain's PageRank in the latest `linkgraph authority` run mapped to
-- 0-100 over the run's domains (fragments/authority_scores.sql, docs/AUTHORITY.md; 0 when not
-- scored); trustrank: its TrustRank in that run (0 when the run had no --trust-seeds);
-- trust_seed: 1 when the domain was one of that run's seeds;
-- lang: the most common <html lang> of ref_domain's 200 pages
-- (most pages, ties: the greater tag); country (ISO 3166 alpha-2, '' when unknown), first rule
-- that applies: 1. the ccTLD (uk -> GB; ai am cc co eu fm gg io ly me su to tv ws are generic),
-- 2. the region of lang (en-gb -> GB), 3. lang's main country (de -> DE, fr -> FR, sv -> SE,
-- ja -> JP, ...: the list below; en, ar and the rest give ''); country_source says which.
-- Params: domain String, country String ('': all; else only that country).
-- mode String, target String: the target in its mode (fragments/target_match.sql).
-- src_domains Set(String) (empty: all; else only these referring domains: a first page's
-- candidates, crawler/analysis/refdomains.py). With candidates (`-- when: src_domains`) the
-- lookups read the candidates' domains, not link_fetches: lang and authority take the names as
-- they are, the current fetches every page of those domains (domain_pages, migration 013: a
-- page's domain is its links' src_domain), so the target's range is read once, not four times (bench/RESULTS.md,
-- issue 17).
SELECT
    src_domain AS ref_domain, links, dofollow_links, dofollow_share, pages_linked, first_seen,
    last_seen, authority, trustrank, trust_seed, lang, country, country_source
FROM
(
    SELECT
        src_domain, links, dofollow_links, dofollow_share, pages_linked, first_seen, last_seen,
        authority, trustrank, trust_seed, lang,
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
                '')) AS country,
        multiIf(country = '', '',
                length(splitByChar('.', src_domain)[-1]) = 2 AND country = if(splitByChar('.', src_domain)[-1] = 'uk', 'GB', upper(splitByChar('.', src_domain)[-1])), 'cctld',
                'lang') AS country_source
    FROM
    (
        SELECT *
        FROM
        (
            -- one pass over the domain's rows: current links (on the source page's latest
            -- fetch; uniqExact over (src_url, dst_url, ordinal) drops not yet merged repeats)
            -- and first/last seen over every fetch
            SELECT
                src_domain,
                uniqExactIf(src_url, dst_url, ordinal, current) AS links,
                uniqExactIf(src_url, dst_url, ordinal,
                            current AND nofollow = 0 AND ugc = 0 AND sponsored = 0
                            AND page_nofollow = 0) AS dofollow_links,
                round(dofollow_links / links, 4) AS dofollow_share,
                uniqExactIf(dst_url, current) AS pages_linked,
                min(fetched_at) AS first_seen,
                max(fetched_at) AS last_seen
            FROM
            (
                SELECT src_domain, src_url, dst_url, ordinal, nofollow, ugc, sponsored,
                       page_nofollow, fetched_at,
                       (src_url, fetch_us) IN
                       (
                           -- when: src_domains
                           -- include: source_fetches()
                           -- else: src_domains
                           -- include: current_fetches(targets: dst_domain = {domain:String})
                           -- end: src_domains
                       ) AS current
                FROM link_fetches
                WHERE dst_domain = {domain:String} AND src_domain != dst_domain
                  -- when: src_domains
                  AND src_domain IN {src_domains:Set(String)}
                  -- end: src_domains
                  AND
                  -- include: target_match()
            )
            GROUP BY src_domain
            HAVING links > 0
        ) AS dated
        ANY LEFT JOIN
        (
            -- include: source_langs()
        ) AS langs USING (src_domain)
    ) AS described
    ANY LEFT JOIN
    (
        SELECT domain AS src_domain, authority, trustrank, trust_seed
        FROM
        (
            -- when: src_domains
            -- include: authority_scores(table: domain_authority; key: domain; names: domain IN {src_domains:Set(String)})
            -- else: src_domains
            -- include: authority_scores(table: domain_authority; key: domain; names: domain IN (SELECT src_domain FROM link_fetches WHERE dst_domain = {domain:String}))
            -- end: src_domains
        )
    ) AS scores USING (src_domain)
)
WHERE {country:String} = '' OR country = upper({country:String})
ORDER BY links DESC, ref_domain
