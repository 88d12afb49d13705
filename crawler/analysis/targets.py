"""The target of a query command: a registrable domain, a host, a URL prefix or one URL.

`--mode` says how much of the web a target covers, as Ahrefs' and Moz's target modes do:

- domain: every URL of the registrable domain (`blog.example.co.uk/x` -> `example.co.uk`);
- host:   every URL of one host (`www.example.com`, not `blog.example.com`);
- prefix: URLs starting with the target (`http://www.example.com/events/`);
- exact:  the one URL.

Without `--mode`, a bare domain, a host or a site's root URL means the domain; a URL with a
path (or a query) is refused rather than widened to its domain. A target without a scheme
(`www.example.com/events/`) matches http:// and https:// URLs alike. The named queries read
the mode through one fragment, schema/queries/fragments/target_match.sql.

    >>> resolve_target("http://www.Example.com/events/", "prefix")
    Target(domain='example.com', mode='prefix', value='http://www.example.com/events/')
    >>> resolve_target("www.example.com", None).mode
    'domain'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crawler.errors import ConfigError
from crawler.urls.canonical import canonicalize, host_of, registrable_domain

MODES = ("domain", "host", "prefix", "exact")
_SCHEMES = ("http://", "https://")


@dataclass(frozen=True)
class Target:
    """A resolved target: its registrable domain (the links table's first key), the mode and
    the value the mode compares (domain, host, URL or URL prefix; no scheme: any scheme)."""

    domain: str
    mode: str
    value: str

    def params(self) -> dict[str, Any]:
        """The named queries' target parameters: domain, mode, target."""
        return {"domain": self.domain, "mode": self.mode, "target": self.value}

    def describe(self) -> str:
        """One line for stderr: what the rows cover."""
        return f"linkgraph: target: {self.value} (--mode {self.mode})"


def domain_target(domain: str) -> Target:
    """The whole registrable domain `domain` (every caller without a --mode of its own)."""
    return Target(domain, "domain", domain)


def resolve_target(text: str, mode: str | None) -> Target:
    """`text` (a domain, host or URL as typed) as a Target in `mode`, None: the default rule."""
    url = _as_url(text)
    host = host_of(url)
    if not host:
        raise ConfigError(f"not a domain, host or URL: {text!r}")
    domain = registrable_domain(host)
    has_path = _path_of(url) not in ("", "/")
    if mode is None:
        if has_path:
            raise ConfigError(
                f"{text!r} has a path: give --mode prefix (URLs under it), --mode exact "
                "(this URL) or --mode domain (the whole domain)"
            )
        mode = "domain"
    if mode not in MODES:
        raise ConfigError(f"--mode is one of {', '.join(MODES)}, not {mode!r}")
    if mode == "domain":
        return Target(domain, mode, domain)
    if mode == "host":
        return Target(domain, mode, host)
    value = url if text.strip().lower().startswith(_SCHEMES) else url.split("://", 1)[1]
    return Target(domain, mode, value)


def _as_url(text: str) -> str:
    """The canonical URL of `text`; a target without a scheme is read as http://."""
    raw = text.strip()
    if not raw or any(c.isspace() for c in raw):
        raise ConfigError(f"not a domain, host or URL: {text!r}")
    if "://" not in raw:
        raw = "http://" + raw
    try:
        return canonicalize(raw)
    except ValueError as exc:
        raise ConfigError(f"not a domain, host or URL: {text!r}") from exc


def _path_of(url: str) -> str:
    """The path and query of a canonical URL (`/` for a site's root)."""
    rest = url.split("://", 1)[1]
    slash = rest.find("/")
    return "" if slash < 0 else rest[slash:]
