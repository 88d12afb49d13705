"""Running a crawl: the crawl, its workers, progress, status, the embedded Valkey."""
