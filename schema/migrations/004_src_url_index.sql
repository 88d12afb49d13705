-- requires: 20.1
-- Newer servers only: a bloom-filter skip index so "what does this page link to" (WHERE src_url
-- = ...) skips most granules of link_fetches, which is sorted for backlink lookups instead.
-- New parts get the index; existing ones keep working without it.
ALTER TABLE link_fetches ADD INDEX IF NOT EXISTS src_url_bloom src_url TYPE bloom_filter(0.01) GRANULARITY 4;
