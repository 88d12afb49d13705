-- The latest fetch in one crawl of each page another crawl fetched too: (url, fetch_us) of the
-- newest page_fetches row with crawl_id $crawl among the pages that crawl $other also fetched.
-- Comparing two crawls (changes_crawls.sql) looks at the link sets of these fetches only: a
-- page just one crawl fetched says nothing about a change.
-- Included as `-- include: crawl_fetches(crawl: {to_crawl:String}; other: {from_crawl:String})`.
SELECT url, max(fetch_us) FROM page_fetches
WHERE crawl_id = $crawl
  AND url IN (SELECT url FROM page_fetches WHERE crawl_id = $other)
GROUP BY url
