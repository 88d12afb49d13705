"""A one-page HTML backlink report: self-contained (inline CSS and SVG, no network, no fonts).

Sections: totals, referring domains over time (cumulative, by first-seen day), new vs lost
links per week (`linkgraph velocity`), dofollow share,
links by page section, anchor distribution, top linked pages, lost links with their reasons
(`linkgraph changes`' rules) and, with competitors, a gap summary (referring domains of the
competitors that never linked to the domain).
Every chart is SVG drawn here, so the page renders the same with scripting off; a small inline
script only records, in `#render-check`, how many charts the browser laid out (tests read it).

    >>> data = ReportData("a.com", totals={"links": 0, "dofollow": 0, "ref_domains": 0,
    ...                   "ref_pages": 0, "target_pages": 0})
    >>> render_html(data).startswith("<!DOCTYPE html>")
    True
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from pipelines.store import Store

TOP = 15
WIDTH = 760
PALETTE = ("#2563eb", "#16a34a", "#dc2626", "#9333ea", "#ea580c", "#0891b2", "#ca8a04", "#64748b")


@dataclass
class ReportData:
    domain: str
    totals: dict[str, int]
    timeline: list[tuple[date, int]] = field(default_factory=list)  # (day, new ref domains)
    sections: list[dict[str, Any]] = field(default_factory=list)
    anchors: list[tuple[str, int, int]] = field(default_factory=list)  # anchor, links, domains
    pages: list[tuple[str, int, int]] = field(default_factory=list)  # url, domains, links
    competitors: list[str] = field(default_factory=list)
    gap: list[dict[str, Any]] = field(default_factory=list)
    lost: list[dict[str, Any]] = field(default_factory=list)  # `changes` rows, newest first
    velocity: list[tuple[Any, ...]] = field(default_factory=list)  # velocity.COLUMNS, by week
    generated: datetime = field(default_factory=lambda: datetime.now(UTC))


def collect(store: Store, domain: str, competitors: list[str], top: int = TOP) -> ReportData:
    """Everything the report shows, from the named queries report_* (and gap)."""
    params: dict[str, Any] = {"domain": domain}
    totals = store.named("report_totals", params).dicts()[0]
    data = ReportData(domain, {k: int(v or 0) for k, v in totals.items()})
    data.timeline = [(_day(d), int(n)) for d, n in store.named("report_timeline", params).rows]
    data.sections = store.named("report_links", params).dicts()
    data.anchors = [
        (a, int(n), int(d))
        for a, n, d in store.named("report_anchors", {**params, "top": top}).rows
    ]
    data.pages = [
        (u, int(d), int(n)) for u, d, n in store.named("report_pages", {**params, "top": top}).rows
    ]
    data.lost = _lost(store, domain)
    data.velocity = _velocity(store, domain)
    if competitors:
        data.competitors = competitors
        gap_params = {**params, "competitors": competitors, "min_k": 1}
        data.gap = store.named("gap", gap_params).dicts()
    return data


def _lost(store: Store, domain: str) -> list[dict[str, Any]]:
    """Every lost link of `domain` with its reason, newest first (`changes` since 1971)."""
    from crawler.analysis.queries import changes_query, run_named

    name, params = changes_query(domain, since=datetime(1971, 1, 1, tzinfo=UTC))
    rows = [r for r in run_named(store, name, params).dicts() if r["change"] == "lost"]
    return sorted(rows, key=lambda r: (r["changed_at"], r["src_url"], r["dst_url"]), reverse=True)


def _velocity(store: Store, domain: str) -> list[tuple[Any, ...]]:
    """`linkgraph velocity DOMAIN --by week` rows."""
    from crawler.analysis.queries import run_named, with_target
    from crawler.analysis.targets import domain_target
    from crawler.analysis.velocity import velocity_params, velocity_rows

    params = with_target(velocity_params(domain, "week"), domain_target(domain))
    return velocity_rows(run_named(store, "velocity", params).rows, "week")


def _path(url: str) -> str:
    """A page's label in a chart: its path and query (the table beside it has the URL)."""
    rest = url.split("://", 1)[-1]
    return rest[rest.find("/") :] if "/" in rest else "/"


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


# -- rendering -----------------------------------------------------------------------------------


def render_html(data: ReportData) -> str:
    e = html.escape
    t = data.totals
    share = t["dofollow"] / t["links"] if t["links"] else 0.0
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Backlink report: {e(data.domain)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>Backlinks of {e(data.domain)}</h1>",
        f'<p class="meta">linkgraph report, {data.generated:%Y-%m-%d %H:%M} UTC; current links '
        "from other domains (latest fetch of each linking page).</p>",
        '<div class="totals">',
        *(
            f"<div><b>{value:,}</b><span>{label}</span></div>"
            for label, value in (
                ("links", t["links"]),
                ("referring domains", t["ref_domains"]),
                ("referring pages", t["ref_pages"]),
                ("pages linked", t["target_pages"]),
            )
        ),
        f"<div><b>{share:.0%}</b><span>dofollow</span></div>",
        "</div>",
        "<h2>Referring domains over time</h2>",
        _timeline_svg(data.timeline),
        "<h2>New and lost links per week</h2>",
        _velocity_svg(data.velocity),
        "<h2>Dofollow share</h2>",
        _share_svg(t["dofollow"], t["links"]),
        "<h2>Links by page section</h2>",
        _bars_svg("sections", [(s["section"], int(s["links"])) for s in data.sections]),
        "<h2>Anchor text</h2>",
        _bars_svg("anchors", [(a or "(no text)", n) for a, n, _ in data.anchors]),
        _table(
            ["anchor", "links", "referring domains"],
            [(a or "(no text)", n, d) for a, n, d in data.anchors],
        ),
        "<h2>Top linked pages</h2>",
        _bars_svg("pages", [(_path(u), d) for u, d, _ in data.pages], unit="referring domains"),
        _table(["page", "referring domains", "links"], data.pages),
    ]
    parts += _lost_section(data)
    if data.competitors:
        parts += _gap_section(data)
    parts += [f"<script>{_CHECK_JS}</script>", "</body></html>"]
    return "\n".join(parts) + "\n"


def _lost_section(data: ReportData) -> list[str]:
    """Lost links: how many per reason, then the newest (a table: no chart to lay out)."""
    reasons: dict[str, int] = {}
    for row in data.lost:
        reasons[row["reason"]] = reasons.get(row["reason"], 0) + 1
    rows = [
        (f"{r['changed_at']:%Y-%m-%d}", r["src_url"], r["dst_url"], r["reason"], r["reason_detail"])
        for r in data.lost[:TOP]
    ]
    return [
        "<h2>Lost links and why</h2>",
        _table(["reason", "lost links"], sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))),
        _table(["lost", "linking page", "page linked", "reason", "detail"], rows),
    ]


def _gap_section(data: ReportData) -> list[str]:
    e = html.escape
    per_competitor = {c: 0 for c in data.competitors}
    for row in data.gap:
        for c in row["competitors"]:
            per_competitor[c] = per_competitor.get(c, 0) + 1
    vs = ", ".join(e(c) for c in data.competitors)
    rows = [
        (r["ref_domain"], ", ".join(r["competitors"]), r["example_src_url"]) for r in data.gap[:TOP]
    ]
    return [
        f"<h2>Link gap vs {vs}</h2>",
        f"<p>{len(data.gap):,} domains link to a competitor and never linked to "
        f"{e(data.domain)}.</p>",
        _bars_svg(
            "gap",
            sorted(per_competitor.items(), key=lambda kv: (-kv[1], kv[0])),
            unit="gap domains",
        ),
        _table(["referring domain", "links to", "example"], rows),
    ]


def _table(columns: list[str], rows: list[tuple[Any, ...]]) -> str:
    e = html.escape
    head = "".join(f"<th>{e(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{e(str(v))}</td>" for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _svg(name: str, height: int, body: list[str], label: str) -> str:
    return (
        f'<svg class="chart" data-chart="{name}" role="img" aria-label="{html.escape(label)}" '
        f'xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}">{"".join(body)}</svg>'
    )


def _text(x: float, y: float, text: str, anchor: str = "start", size: int = 12) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}">'
        f"{html.escape(text)}</text>"
    )


def _bars_svg(name: str, items: list[tuple[str, int]], unit: str = "links") -> str:
    """Horizontal bars, one per (label, value), longest first as given."""
    if not items:
        return _svg(name, 40, [_text(10, 25, "no data")], f"{name}: no data")
    row, left, right = 22, 260, 70
    top = max(value for _, value in items) or 1
    body = []
    for i, (label, value) in enumerate(items):
        y = 8 + i * row
        width = (WIDTH - left - right) * value / top
        short = label if len(label) <= 36 else label[:35] + "…"
        body.append(_text(left - 8, y + 14, short, "end"))
        body.append(
            f'<rect class="bar" x="{left}" y="{y + 2}" width="{max(width, 1):.1f}" '
            f'height="{row - 6}" fill="{PALETTE[i % len(PALETTE)]}"/>'
        )
        body.append(_text(left + width + 6, y + 14, f"{value:,}"))
    return _svg(name, 16 + row * len(items), body, f"{name} by {unit}")


def _velocity_svg(rows: list[tuple[Any, ...]]) -> str:
    """Per week: new links (a bar up) and lost links (a bar down) from a middle line; a burst
    week's label says so."""
    if not rows:
        return _svg("velocity", 40, [_text(10, 25, "no data")], "velocity: no data")
    half, left = 90, 10
    step = (WIDTH - 2 * left) / len(rows)
    top = max(max(int(r[1]), int(r[2])) for r in rows) or 1
    body = [f'<line x1="{left}" y1="{half + 10}" x2="{WIDTH - left}" y2="{half + 10}" '
            'stroke="#94a3b8"/>']  # fmt: skip
    for i, row in enumerate(rows):
        x = left + i * step + step * 0.15
        up, down = half * int(row[1]) / top, half * int(row[2]) / top
        width = max(step * 0.7, 1)
        body.append(f'<rect class="bar" x="{x:.1f}" y="{half + 10 - up:.1f}" width="{width:.1f}" '
                    f'height="{max(up, 1):.1f}" fill="{PALETTE[1]}"/>')  # fmt: skip
        body.append(f'<rect class="bar" x="{x:.1f}" y="{half + 10:.1f}" width="{width:.1f}" '
                    f'height="{max(down, 1):.1f}" fill="{PALETTE[2]}"/>')  # fmt: skip
    first, last = rows[0], rows[-1]
    bursts = sum(int(r[7]) for r in rows)
    body.append(_text(left, 2 * half + 34, f"week of {first[0]}"))
    body.append(_text(WIDTH - left, 2 * half + 34, f"week of {last[0]}", "end"))
    label = f"new (up) vs lost (down) links per week; {bursts} burst week(s)"
    body.append(_text(WIDTH / 2, 2 * half + 34, label, "middle"))
    return _svg("velocity", 2 * half + 44, body, label)


def _share_svg(dofollow: int, links: int) -> str:
    """One stacked bar: dofollow vs nofollow/ugc/sponsored."""
    if not links:
        return _svg("dofollow", 40, [_text(10, 25, "no links")], "dofollow share: no links")
    width = WIDTH - 20
    follow = width * dofollow / links
    body = [
        f'<rect class="bar" x="10" y="10" width="{max(follow, 1):.1f}" height="28" '
        f'fill="{PALETTE[1]}"/>',
        f'<rect class="bar" x="{10 + follow:.1f}" y="10" width="{max(width - follow, 1):.1f}" '
        f'height="28" fill="{PALETTE[7]}"/>',
        _text(10, 58, f"dofollow {dofollow:,} ({dofollow / links:.1%})"),
        _text(WIDTH - 10, 58, f"nofollow, ugc or sponsored {links - dofollow:,}", "end"),
    ]
    return _svg("dofollow", 66, body, f"dofollow share {dofollow / links:.1%}")


def _timeline_svg(timeline: list[tuple[date, int]]) -> str:
    """Cumulative referring domains by first-seen day: a step line with its area."""
    if not timeline:
        return _svg("timeline", 40, [_text(10, 25, "no data")], "timeline: no data")
    height, left, bottom, top_pad = 220, 60, 30, 12
    days = [d for d, _ in timeline]
    total, points = 0, []
    for day, new in timeline:
        total += new
        points.append((day, total))
    first, last = days[0].toordinal(), days[-1].toordinal()
    span = max(last - first, 1)
    plot_w, plot_h = WIDTH - left - 20, height - bottom - top_pad

    def xy(day: date, value: int) -> tuple[float, float]:
        x = left + plot_w * (day.toordinal() - first) / span if last > first else left + plot_w
        return x, top_pad + plot_h * (1 - value / total)

    path = [f"M{left},{top_pad + plot_h:.1f}"]
    previous = 0
    for day, value in points:
        x, y = xy(day, value)
        path.append(f"L{x:.1f},{xy(day, previous)[1]:.1f} L{x:.1f},{y:.1f}")
        previous = value
    path.append(f"L{left + plot_w},{xy(days[-1], total)[1]:.1f}")
    line = " ".join(path)
    body = [
        f'<path class="area" d="{line} L{left + plot_w},{top_pad + plot_h} Z" '
        f'fill="{PALETTE[0]}" fill-opacity="0.15"/>',
        f'<path class="line" d="{line}" fill="none" stroke="{PALETTE[0]}" stroke-width="2"/>',
        f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{left + plot_w}" '
        f'y2="{top_pad + plot_h}" stroke="#888"/>',
        _text(left - 6, top_pad + 10, f"{total:,}", "end"),
        _text(left - 6, top_pad + plot_h, "0", "end"),
        _text(left, height - 8, days[0].isoformat()),
        _text(left + plot_w, height - 8, days[-1].isoformat(), "end"),
    ]
    return _svg("timeline", height, body, f"{total} referring domains by first seen")


_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:800px;color:#111}
html,body{background:#fff}
h1{font-size:24px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ddd}
.meta{color:#555}.totals{display:flex;gap:12px;flex-wrap:wrap}
.totals div{border:1px solid #ddd;border-radius:6px;padding:8px 14px;min-width:100px}
.totals b{display:block;font-size:20px}.totals span{color:#555;font-size:12px}
table{border-collapse:collapse;margin-top:8px;font-size:12px;width:100%}
td,th{border-bottom:1px solid #eee;padding:3px 6px;text-align:left;word-break:break-all}
svg.chart{display:block;margin-top:8px}
""".strip()

# Records what the browser laid out: charts with a visible box and the shapes drawn in them.
_CHECK_JS = """
(function(){var charts=document.querySelectorAll('svg.chart'),shown=0,shapes=0,names=[];
charts.forEach(function(s){var r=s.getBoundingClientRect();if(r.width>0&&r.height>0){shown++;
names.push(s.dataset.chart);}s.querySelectorAll('rect,path').forEach(function(p){
var b=p.getBBox();if(b.width>0&&b.height>0){shapes++;}});});
var d=document.createElement('div');d.id='render-check';d.hidden=true;
d.setAttribute('data-charts',String(shown));d.setAttribute('data-shapes',String(shapes));
d.setAttribute('data-names',names.join(' '));document.body.appendChild(d);})();
""".strip()
