-- The failed fetches of crawl {crawl_id} by kind: the exception's class for a fetch that got no
-- answer (DNSLookupError, TimeoutError, ...), "HTTP 404" and the like for an error status.
-- Each fetch (url, fetch_us) counts once: DISTINCT collapses a re-delivered batch before merges.
-- Params: crawl_id String. Order: fetches descending, then kind.
SELECT
    if(error != '', splitByChar(':', error)[1], concat('HTTP ', toString(status))) AS kind,
    count() AS fetches
FROM
(
    SELECT DISTINCT url, fetch_us, status, error
    FROM page_fetches
    WHERE crawl_id = {crawl_id:String} AND (error != '' OR status >= 400)
)
GROUP BY kind
ORDER BY fetches DESC, kind
