"""Outreach contacts of a target's referring domains: `linkgraph contacts` (contacts.sql).

Per domain linking to the target now: the e-mail addresses of the `mailto:` links on its
crawled pages (crawler/extract/emails.py) and its contact pages, the crawled URLs answering
2xx whose path ends in a segment named contact, about, impressum, kontakt or team (any case;
plural `s` or `-us`/`_us`/`us` and an extension allowed: `/about-us/`, `/Kontakt.php`,
`/contacts.html`; not `/team-update.html`).

    >>> bool(CONTACT_PAGE.search("/de/Kontakt.php")), bool(CONTACT_PAGE.search("/team-update/"))
    (True, False)
"""

from __future__ import annotations

import re

COLUMNS = ("ref_domain", "ref_pages", "links", "emails", "contact_pages", "pages")
# One pattern for Python and for ClickHouse's re2 (contacts.sql reads it as a parameter).
CONTACT_PATH = r"(?i)(^|/)(contact|about|impressum|kontakt|team)(s|-us|_us|us)?(\.[a-z0-9]+)?/?$"
CONTACT_PAGE = re.compile(CONTACT_PATH)
