"""`--keep` and `--merge`: kept domains and pages never scored toxic nor disavowed, an existing
disavow file's lines kept; exact texts on hand-built scores, bad files named by line."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.analysis.disavow import (
    KEPT,
    Disavow,
    apply_keep,
    disavow_text,
    parse_disavow,
    read_disavow,
    read_merge,
)
from crawler.analysis.toxicity import DomainScore, LinkScore, Toxicity
from crawler.errors import InputFileError

T = "shoes.com"


def _scores() -> Toxicity:
    domains = [
        DomainScore("farm.net", 60.0, 2, 2, ("exact_anchor: x +20",)),
        DomainScore("friend.org", 50.0, 2, 2, ("sitewide on 2 of 2 links +15 each",)),
        DomainScore("partner.de", 45.0, 1, 1, ("low_authority: y +15",)),
        DomainScore("clean.com", 0.0, 1, 1, ()),
    ]
    links = [
        LinkScore("http://farm.net/1", "farm.net", "http://shoes.com/", "a", "main", 60.0, ("f",)),
        LinkScore("http://farm.net/2", "farm.net", "http://shoes.com/", "a", "main", 60.0, ("f",)),
        LinkScore("http://friend.org/ok", "friend.org", "http://shoes.com/", "b", "footer", 50.0,
                  ("s",)),
        LinkScore("http://friend.org/ad", "friend.org", "http://shoes.com/", "b", "footer", 50.0,
                  ("s",)),
        LinkScore("http://partner.de/", "partner.de", "http://shoes.com/", "c", "main", 45.0,
                  ("l",)),
        LinkScore("http://clean.com/", "clean.com", "http://shoes.com/", "d", "main", 0.0, ()),
    ]  # fmt: skip
    return Toxicity(domains, links, True)


KEEP = ["# our partners", "domain:www.partner.de", "", "http://friend.org/ok"]


def test_kept_domains_and_pages_score_zero() -> None:
    keep = parse_disavow(KEEP, "keep.txt")
    assert keep == Disavow(frozenset({"partner.de"}), frozenset({"http://friend.org/ok"}))
    kept = apply_keep(_scores(), keep)
    assert [(d.ref_domain, d.score, d.reasons) for d in kept.domains] == [
        ("farm.net", 60.0, ("exact_anchor: x +20",)),
        ("friend.org", 50.0, ("sitewide on 2 of 2 links +15 each",)),
        ("clean.com", 0.0, ()),
        ("partner.de", 0.0, (KEPT,)),
    ]
    assert [(s.src_url, s.score, s.reasons) for s in kept.links] == [
        ("http://farm.net/1", 60.0, ("f",)),
        ("http://farm.net/2", 60.0, ("f",)),
        ("http://friend.org/ok", 0.0, (KEPT,)),
        ("http://friend.org/ad", 50.0, ("s",)),
        ("http://partner.de/", 0.0, (KEPT,)),
        ("http://clean.com/", 0.0, ()),
    ]
    assert apply_keep(_scores(), None) == _scores()


def test_disavow_lists_nothing_kept() -> None:
    """A kept page keeps its domain off the `domain:` lines: the domain's other toxic pages
    are listed one by one instead."""
    keep = parse_disavow(KEEP, "keep.txt")
    scores = apply_keep(_scores(), keep)
    text, domains, pages = disavow_text(T, scores.domains, scores.links, 40, keep)
    assert (domains, pages) == (1, 1)
    assert text.splitlines()[2:] == [
        "# score 60: exact_anchor: x +20",
        "domain:farm.net",
        "# score 50: s",
        "http://friend.org/ad",
    ]


def test_merge_keeps_the_old_lines_once_and_adds_only_the_new(tmp_path: Path) -> None:
    old = tmp_path / "disavow.txt"
    old.write_text(
        "# sent to Google in March\ndomain:farm.net\n\nhttp://spam.example/x\n"
        "# again, by hand\nDOMAIN:www.farm.net\nhttp://spam.example/x\nhttp://friend.org/ad\n",
        encoding="utf-8",
    )
    keep = parse_disavow(KEEP, "keep.txt")
    merged = read_merge(old, keep)
    assert merged.lines == (
        "# sent to Google in March",
        "domain:farm.net",
        "",
        "http://spam.example/x",
        "# again, by hand",
        "http://friend.org/ad",
    )
    scores = apply_keep(_scores(), keep)
    text, domains, pages = disavow_text(T, scores.domains, scores.links, 40, keep, merged)
    lines = text.splitlines()
    assert (domains, pages) == (0, 0)
    assert lines[:6] == list(merged.lines)
    assert lines[6].startswith(f"# Disavow file for {T}, written by linkgraph on ")
    assert lines[7:] == ["# Each entry's comment gives its score and reasons (linkgraph toxicity)."]
    assert read_disavow(_write(tmp_path / "out.txt", text)).domains == {"farm.net"}


def test_merge_refuses_a_kept_entry(tmp_path: Path) -> None:
    old = _write(tmp_path / "d.txt", "# x\ndomain:farm.net\nhttp://www.partner.de/page\n")
    keep = parse_disavow(KEEP, "keep.txt")
    with pytest.raises(
        InputFileError, match=rf"^{old}:3: 'http://www.partner.de/page' is in the keep file$"
    ):
        read_merge(old, keep)
    friend = _write(tmp_path / "f.txt", "domain:friend.org\n")
    with pytest.raises(InputFileError, match=rf"^{friend}:1: 'domain:friend.org' is in the keep"):
        read_merge(friend, keep)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("# ok\ndomain:\n", ":2: not a domain: 'domain:'"),
        ("partner.de\n", ":1: neither domain:NAME nor a URL: 'partner.de'"),
    ],
)
def test_bad_keep_file_is_named_by_line(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path / "keep.txt", text)
    with pytest.raises(InputFileError) as caught:
        read_disavow(path, "keep")
    assert str(caught.value) == f"{path}{message}"
    with pytest.raises(InputFileError, match=r"^cannot read keep file .*missing\.txt: "):
        read_disavow(tmp_path / "missing.txt", "keep")


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
