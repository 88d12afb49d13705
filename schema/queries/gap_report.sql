-- Link gap for `linkgraph gap`: referring domains that currently link to at least {min_k} of
-- {competitors} and have never (in any fetch) linked to {domain}, one row per referring domain.
-- Self-links never count; {domain} itself, {disavow_domains} and the pages {disavow_urls} are
-- left out (a disavow file's entries).
-- competitors: the ones it links to now (sorted); authority: the log of the domain's PageRank in
-- the latest `linkgraph authority` run mapped to 0-100 (fragments/authority_scores.sql; 0 when
-- not scored).
-- The example is one current link of the domain into a competitor: from the page with the highest
-- page PageRank (latest run), ties and unscored pages by the smallest (src_url, dst_url, ordinal);
-- its anchor, section, rel, and when that (src_url, dst_url) pair was first seen.
-- Params: domain String, competitors Array(String), min_k UInt32, disavow_domains Array(String),
-- disavow_urls Array(String). Order: competitor_count desc, authority desc, ref_domain.
-- mode String, target String: the target in its mode (fragments/target_match.sql).
SELECT
    ref_domain, competitors, competitor_count, authority, example_src_url, example_dst_url,
    example_anchor, example_section, example_rel, example_first_seen
FROM
(
    SELECT
        src_domain AS ref_domain,
        arraySort(groupUniqArray(dst_domain)) AS competitors,
        length(competitors) AS competitor_count,
        argMin(src_url, (-page_score, src_url, dst_url, pair_ordinal)) AS example_src_url,
        argMin(dst_url, (-page_score, src_url, dst_url, pair_ordinal)) AS example_dst_url,
        argMin(pair_anchor, (-page_score, src_url, dst_url, pair_ordinal)) AS example_anchor,
        argMin(pair_section, (-page_score, src_url, dst_url, pair_ordinal)) AS example_section,
        argMin(pair_rel, (-page_score, src_url, dst_url, pair_ordinal)) AS example_rel,
        argMin(pair_first_seen, (-page_score, src_url, dst_url, pair_ordinal))
            AS example_first_seen
    FROM
    (
        -- one row per (src_url, dst_url) linked now: its first occurrence on the latest fetch,
        -- and the pair's first fetch
        SELECT
            src_domain, dst_domain, src_url, dst_url,
            minIf(ordinal, current) AS pair_ordinal,
            argMinIf(anchor, ordinal, current) AS pair_anchor,
            argMinIf(section, ordinal, current) AS pair_section,
            argMinIf(rel, ordinal, current) AS pair_rel,
            min(fetched_at) AS pair_first_seen
        FROM
        (
            SELECT
                src_domain, dst_domain, src_url, dst_url, ordinal, anchor, section, rel,
                fetched_at,
                (src_url, fetch_us) IN
                (
                    -- include: current_fetches(targets: dst_domain IN (SELECT arrayJoin({competitors:Array(String)})))
                ) AS current
            FROM link_fetches
            WHERE dst_domain IN (SELECT arrayJoin({competitors:Array(String)}))
              AND src_domain != dst_domain
              AND src_domain != {domain:String}
              AND NOT has(CAST({disavow_domains:Array(String)} AS Array(String)), src_domain)
              AND NOT has(CAST({disavow_urls:Array(String)} AS Array(String)), src_url)
              AND src_domain NOT IN
                  (SELECT src_domain FROM link_fetches
                   WHERE dst_domain = {domain:String}
                     AND
                     -- include: target_match()
                  )
        )
        GROUP BY src_domain, dst_domain, src_url, dst_url
        HAVING max(current) = 1
    ) AS pairs
    ANY LEFT JOIN
    (
        SELECT url AS src_url, toFloat64(pagerank) AS page_score
        FROM page_authority
        WHERE computed_at = (SELECT max(computed_at) FROM authority_runs WHERE level = 'page_authority')
          AND url IN
          (
              SELECT src_url FROM link_fetches
              WHERE dst_domain IN (SELECT arrayJoin({competitors:Array(String)}))
          )
    ) AS page_scores USING (src_url)
    GROUP BY src_domain
    HAVING competitor_count >= {min_k:UInt32}
) AS gap
ANY LEFT JOIN
(
    SELECT domain AS ref_domain, authority
    FROM
    (
        -- include: authority_scores(table: domain_authority; key: domain; names: 1)
    )
) AS scores USING (ref_domain)
ORDER BY competitor_count DESC, authority DESC, ref_domain
