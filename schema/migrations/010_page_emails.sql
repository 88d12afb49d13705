-- The e-mail addresses of each fetched page's `mailto:` links (`emails`, in document order,
-- without repeats; crawler/extract/emails.py normalises them), for `linkgraph contacts`.
-- A mailto: href is not a link: it is never a row of link_fetches, so no backlink, referring
-- domain, graph or authority query sees it. [] for pages fetched before this migration.
--
-- `pages` is created again to expose the column (a view's columns are fixed at creation, 007).

ALTER TABLE page_fetches ADD COLUMN emails Array(String) DEFAULT emptyArrayString();

DROP TABLE IF EXISTS pages;

CREATE VIEW IF NOT EXISTS pages AS
SELECT *
FROM page_fetches FINAL
WHERE (url, fetch_us) IN (SELECT url, max(fetch_us) FROM page_fetches GROUP BY url);
