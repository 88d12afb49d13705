-- The failed fetches of crawl {crawl_id} by kind: the exception's class for a fetch that got no
-- answer (DNSLookupError, TimeoutError, ...), "HTTP 404" and the like for an error status.
-- Each fetch (url, fetch_us) counts once: DISTINCT collapses a re-delivered batch before merges.
-- A URL robots.txt forbade is stored unfetched (status 0, error "robots.txt: disallowed"): not
-- a failure, so not here (`linkgraph status` counts it as robots_blocked).
-- Params: crawl_id String. Order: fetches descending, then kind.
SELECT
    if(error != '', splitByChar(':', error)[1], concat('HTTP ', toString(status))) AS kind,
    count() AS fetches
FROM
(
    SELECT DISTINCT url, fetch_us, status, error
    FROM page_fetches
    WHERE crawl_id = {crawl_id:String} AND (error != '' OR status >= 400)
      AND NOT (status = 0 AND lower(substring(error, 1, 6)) = 'robots')
)
GROUP BY kind
ORDER BY fetches DESC, kind
