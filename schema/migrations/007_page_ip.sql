-- The server address each page was fetched from (`ip`: IPv4 or IPv6 text, '' when nothing was
-- received or the fetch predates this migration), for the toxicity signal "many referring
-- domains in one address block". Behind a proxy it is the proxy's address.
--
-- `pages` (001) is `SELECT *` of page_fetches, but a view's columns are fixed when it is
-- created (chDB 26.x stores them), so it is created again to expose `ip`.

ALTER TABLE page_fetches ADD COLUMN ip LowCardinality(String) DEFAULT '';

DROP TABLE IF EXISTS pages;

CREATE VIEW IF NOT EXISTS pages AS
SELECT *
FROM page_fetches FINAL
WHERE (url, fetch_us) IN (SELECT url, max(fetch_us) FROM page_fetches GROUP BY url);
