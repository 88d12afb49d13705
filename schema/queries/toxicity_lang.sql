-- The main language of {domain}: the most common non-empty <html lang> of its pages' latest
-- fetches (ties by name). Params: domain String.
SELECT lang, count() AS pages
FROM
(
    SELECT url, argMax(lang, fetch_us) AS lang
    FROM page_fetches
    WHERE domain = {domain:String}
    GROUP BY url
)
WHERE lang != ''
GROUP BY lang
ORDER BY pages DESC, lang
LIMIT 1
