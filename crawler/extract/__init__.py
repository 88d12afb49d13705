"""(body, url, headers) -> page facts + OutLinks: charset, sections, main content, the walk."""
