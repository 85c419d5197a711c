"""The program office's staff page (``/staff`` on the page server, docs/staff.md): the analytics
figures of :func:`bot.analytics.report` for a date range, rendered on the server as HTML with
inline SVG charts (presentation attributes only: the page's Content-Security-Policy allows no
inline style and no script), plus the open hand-off requests.

Everything stored (topics, visitors' questions, e-mail addresses, comments) is escaped with
:func:`html.escape`. Nothing here checks who asks: web/server.py does, before calling in.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from html import escape
from typing import List, Mapping, Optional, Sequence, Tuple
from urllib.parse import urlencode

import sqlalchemy as sa

from bot.analytics import AnalyticsStore, Day, Report, handoff_requests, parse_date, utcnow

DEFAULT_DAYS = 30
MAX_DAYS = 366
STYLESHEET = "/staff.css"
#: chart colours (presentation attributes; the same in staff.css's legend swatches)
COLOURS = {"conversations": "#1f5fa8", "messages": "#8fb8e6", "clarified": "#c77c02", "refused": "#b3261e",
           "topic": "#2e7d32"}


class BadRange(ValueError):
    """A ``from``/``to`` query the page can't show (the message says why, for a 400)."""


def date_range(query: Mapping[str, str], today: Optional[dt.date] = None) -> Tuple[dt.date, dt.date]:
    """(since, until) from the query's ``from`` and ``to`` (YYYY-MM-DD, inclusive, UTC); default
    the last 30 days up to today. Raises :class:`BadRange`."""
    today = today or utcnow().date()
    raw_to, raw_from = (query.get("to") or "").strip(), (query.get("from") or "").strip()
    try:
        until = parse_date(raw_to) if raw_to else today
        since = parse_date(raw_from) if raw_from else until - dt.timedelta(days=DEFAULT_DAYS - 1)
    except ValueError as exc:
        raise BadRange(f"{exc}: give the dates as from=YYYY-MM-DD&to=YYYY-MM-DD") from None
    if since > until:
        raise BadRange(f"'from' ({since}) is after 'to' ({until})")
    if (until - since).days + 1 > MAX_DAYS:
        raise BadRange(f"the range is {(until - since).days + 1} days; show at most {MAX_DAYS} at once")
    return since, until


def range_query(since: dt.date, until: dt.date) -> str:
    return urlencode({"from": since.isoformat(), "to": until.isoformat()})


# ---- hand-off requests ------------------------------------------------------------------------

@dataclass
class OpenHandoff:
    id: int
    created_at: dt.datetime
    email: str
    question: str


def open_handoffs(store: AnalyticsStore, limit: int = 500) -> List[OpenHandoff]:
    """Hand-off requests not answered yet, the oldest first (the one waiting longest on top)."""
    t = handoff_requests
    with store.engine.connect() as connection:
        rows = connection.execute(
            sa.select(t.c.id, t.c.created_at, t.c.email, t.c.question)
            .where(t.c.answered_at.is_(None)).order_by(t.c.created_at, t.c.id).limit(limit)
        ).all()
    return [OpenHandoff(int(r.id), r.created_at, r.email or "", r.question or "") for r in rows]


def mark_answered(store: AnalyticsStore, request_id: int) -> bool:
    """Set ``answered_at`` of an open request; False when there is no such open request."""
    t = handoff_requests
    with store.engine.begin() as connection:
        done = connection.execute(
            t.update().where(t.c.id == request_id, t.c.answered_at.is_(None)).values(answered_at=utcnow()))
    return bool(done.rowcount)


# ---- pieces of HTML ---------------------------------------------------------------------------

def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _pct(x: float) -> str:
    return f"{x:.0%}"


def _document(title: str, body: str) -> str:
    return ("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            "<meta name=\"robots\" content=\"noindex\">\n"
            f"<title>{_e(title)}</title>\n<link rel=\"stylesheet\" href=\"{STYLESHEET}\">\n"
            "<link rel=\"icon\" href=\"/favicon.svg\" type=\"image/svg+xml\">\n</head>\n"
            f"<body class=\"staff\">\n{body}\n</body>\n</html>\n")


def signin_page(dev_login: bool, message: str = "") -> str:
    """The page for anyone not signed in as staff: a sign-in form and nothing else."""
    note = f"<p class=\"notice\" role=\"alert\">{_e(message)}</p>\n" if message else ""
    dev = ("<form method=\"post\" action=\"/dev/staff-login\" class=\"dev-signin\">\n"
           "<p>Development sign-in is on (BOT_DEV_LOGIN=1).</p>\n"
           "<button type=\"submit\">Sign in as sample staff</button>\n</form>\n") if dev_login else ""
    body = ("<main class=\"signin\">\n<h1>Program office: sign in</h1>\n" + note +
            "<p>This page is for the program office and advisors. Paste your identity token to sign in.</p>\n"
            "<form method=\"post\" action=\"/staff/login\">\n"
            "<label for=\"token\">Identity token</label>\n"
            "<textarea id=\"token\" name=\"token\" rows=\"4\" required autocomplete=\"off\" spellcheck=\"false\">"
            "</textarea>\n<button type=\"submit\">Sign in</button>\n</form>\n" + dev + "</main>")
    return _document("Sign in - program office", body)


def message_page(title: str, message: str, back: str = "/staff") -> str:
    """A short page with one message (a bad date range, analytics off) and a way back."""
    return _document(title, f"<main class=\"signin\">\n<h1>{_e(title)}</h1>\n<p role=\"alert\">{_e(message)}</p>\n"
                            f"<p><a href=\"{_e(back)}\">Back to the staff page</a></p>\n</main>")


def _header(who: str, since: dt.date, until: dt.date) -> str:
    return (
        "<header class=\"top\">\n<h1>Program office: what people ask</h1>\n"
        f"<p class=\"who\">Signed in as {_e(who)}</p>\n"
        "<form method=\"post\" action=\"/staff/logout\" class=\"logout\"><button type=\"submit\">Sign out</button></form>\n"
        "<form method=\"get\" action=\"/staff\" class=\"range\">\n"
        f"<label for=\"from\">From</label> <input type=\"date\" id=\"from\" name=\"from\" value=\"{since.isoformat()}\" required>\n"
        f"<label for=\"to\">to</label> <input type=\"date\" id=\"to\" name=\"to\" value=\"{until.isoformat()}\" required>\n"
        "<button type=\"submit\">Show</button>\n<span class=\"hint\">(UTC, both days included)</span>\n</form>\n</header>"
    )


def off_page(who: str, since: dt.date, until: dt.date, why: str) -> str:
    body = (_header(who, since, until) + "\n<main>\n<section aria-labelledby=\"off-h\">\n"
            "<h2 id=\"off-h\">No analytics</h2>\n"
            f"<p class=\"notice\" id=\"analytics-off\">{_e(why)}</p>\n</section>\n</main>")
    return _document("Program office - analytics", body)


# ---- charts (inline SVG, presentation attributes only) -----------------------------------------

def _nice_max(value: float) -> float:
    if value <= 0:
        return 1
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if value <= step:
            return step
    magnitude = 10 ** (len(str(int(value))) - 1)
    return ((int(value) // magnitude) + 1) * magnitude


def _svg_open(chart_id: str, title: str, desc: str, width: int, height: int) -> str:
    return (f"<svg class=\"chart\" id=\"{chart_id}\" role=\"img\" aria-labelledby=\"{chart_id}-t {chart_id}-d\" "
            f"viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" "
            f"preserveAspectRatio=\"xMinYMin meet\" xmlns=\"http://www.w3.org/2000/svg\">"
            f"<title id=\"{chart_id}-t\">{_e(title)}</title><desc id=\"{chart_id}-d\">{_e(desc)}</desc>")


def _day_axis(days: Sequence[Day], left: int, step: float, base_y: int) -> str:
    n = len(days)
    marks = sorted({0, n // 2, n - 1}) if n > 2 else list(range(n))
    out = []
    for i in marks:
        x = left + step * i + step / 2
        anchor = "start" if i == 0 and n > 2 else ("end" if i == n - 1 and n > 2 else "middle")
        out.append(f"<text x=\"{x:.1f}\" y=\"{base_y + 16}\" font-size=\"11\" text-anchor=\"{anchor}\" "
                   f"fill=\"#333\">{days[i].day.isoformat()}</text>")
    return "".join(out)


def volume_chart(days: Sequence[Day]) -> str:
    """Conversations and messages per day: two bars a day."""
    width, height, left, right, top, bottom = 720, 220, 44, 8, 10, 26
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = _nice_max(max([d.messages for d in days] + [d.conversations for d in days] + [0]))
    step = plot_w / max(len(days), 1)
    bar = max(step * 0.4, 0.5)
    base = top + plot_h
    parts = [_svg_open("chart-volume", "Conversations and messages per day",
                       f"{sum(d.conversations for d in days)} conversations and {sum(d.messages for d in days)} "
                       f"messages from {days[0].day} to {days[-1].day}" if days else "no days", width, height),
             f"<line x1=\"{left}\" y1=\"{base}\" x2=\"{width - right}\" y2=\"{base}\" stroke=\"#666\" stroke-width=\"1\"/>",
             f"<line x1=\"{left}\" y1=\"{top}\" x2=\"{width - right}\" y2=\"{top}\" stroke=\"#ddd\" stroke-width=\"1\"/>",
             f"<text x=\"{left - 4}\" y=\"{top + 4}\" font-size=\"11\" text-anchor=\"end\" fill=\"#333\">{peak:g}</text>",
             f"<text x=\"{left - 4}\" y=\"{base}\" font-size=\"11\" text-anchor=\"end\" fill=\"#333\">0</text>"]
    for i, d in enumerate(days):
        x = left + step * i + step * 0.1
        for j, (name, value) in enumerate((("conversations", d.conversations), ("messages", d.messages))):
            h = plot_h * value / peak
            parts.append(f"<rect class=\"bar-{name}\" x=\"{x + j * bar:.1f}\" y=\"{base - h:.1f}\" width=\"{bar:.1f}\" "
                         f"height=\"{h:.1f}\" fill=\"{COLOURS[name]}\"><title>{d.day}: {value} {name}</title></rect>")
    parts.append(_day_axis(days, left, step, base))
    parts.append("</svg>")
    return "".join(parts)


def rate_chart(days: Sequence[Day]) -> str:
    """Per day, the share of messages the bot asked back about (clarified) and could not help
    with (refused), stacked."""
    width, height, left, right, top, bottom = 720, 200, 44, 8, 10, 26
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(len(days), 1)
    bar = max(step * 0.7, 0.5)
    base = top + plot_h
    total = sum(d.messages for d in days)
    share = sum(d.clarified + d.refused for d in days) / total if total else 0.0
    parts = [_svg_open("chart-rates", "Clarification and can't-help rate per day",
                       f"{_pct(share)} of messages were clarified or could not be answered", width, height),
             f"<line x1=\"{left}\" y1=\"{base}\" x2=\"{width - right}\" y2=\"{base}\" stroke=\"#666\" stroke-width=\"1\"/>",
             f"<line x1=\"{left}\" y1=\"{top}\" x2=\"{width - right}\" y2=\"{top}\" stroke=\"#ddd\" stroke-width=\"1\"/>",
             f"<line x1=\"{left}\" y1=\"{top + plot_h / 2:.1f}\" x2=\"{width - right}\" y2=\"{top + plot_h / 2:.1f}\" "
             "stroke=\"#eee\" stroke-width=\"1\"/>",
             f"<text x=\"{left - 4}\" y=\"{top + 4}\" font-size=\"11\" text-anchor=\"end\" fill=\"#333\">100%</text>",
             f"<text x=\"{left - 4}\" y=\"{top + plot_h / 2 + 4:.1f}\" font-size=\"11\" text-anchor=\"end\" fill=\"#333\">50%</text>",
             f"<text x=\"{left - 4}\" y=\"{base}\" font-size=\"11\" text-anchor=\"end\" fill=\"#333\">0%</text>"]
    for i, d in enumerate(days):
        if not d.messages:
            continue
        x = left + step * i + step * 0.15
        y = float(base)
        for name, value in (("clarified", d.clarified), ("refused", d.refused)):
            h = plot_h * value / d.messages
            y -= h
            label = "clarified" if name == "clarified" else "can't help"
            parts.append(f"<rect class=\"bar-{name}\" x=\"{x:.1f}\" y=\"{y:.1f}\" width=\"{bar:.1f}\" height=\"{h:.1f}\" "
                         f"fill=\"{COLOURS[name]}\"><title>{d.day}: {_pct(value / d.messages)} {label} "
                         f"({value} of {d.messages})</title></rect>")
    parts.append(_day_axis(days, left, step, base))
    parts.append("</svg>")
    return "".join(parts)


def topics_chart(topics: Sequence[Tuple[str, int]]) -> str:
    """The top topics as horizontal bars, the name on the left."""
    row, left, right, top = 24, 220, 50, 4
    width = 720
    height = top * 2 + row * max(len(topics), 1)
    peak = max([n for _t, n in topics] + [1])
    plot_w = width - left - right
    parts = [_svg_open("chart-topics", "Top topics",
                       ", ".join(f"{t}: {n}" for t, n in topics) or "no topics", width, height)]
    for i, (topic, n) in enumerate(topics):
        y = top + i * row
        w = plot_w * n / peak
        name = topic if len(topic) <= 32 else topic[:31] + "…"
        parts.append(f"<text x=\"{left - 6}\" y=\"{y + 16}\" font-size=\"12\" text-anchor=\"end\" fill=\"#222\">{_e(name)}</text>"
                     f"<rect class=\"bar-topic\" x=\"{left}\" y=\"{y + 4}\" width=\"{w:.1f}\" height=\"{row - 8}\" "
                     f"fill=\"{COLOURS['topic']}\"><title>{_e(topic)}: {n}</title></rect>"
                     f"<text x=\"{left + w + 4:.1f}\" y=\"{y + 16}\" font-size=\"12\" fill=\"#222\">{n}</text>")
    parts.append("</svg>")
    return "".join(parts)


def _legend(*names: Tuple[str, str]) -> str:
    items = "".join(f"<li><span class=\"swatch swatch-{key}\" aria-hidden=\"true\"></span>{_e(label)}</li>"
                    for key, label in names)
    return f"<ul class=\"legend\">{items}</ul>"


# ---- the page ---------------------------------------------------------------------------------

def staff_page(r: Report, handoffs: Sequence[OpenHandoff], who: str) -> str:
    """The whole staff page for the report ``r`` and the open hand-off requests."""
    q = range_query(r.since, r.until)
    active = [d for d in r.days if d.messages]
    sections = [
        _header(who, r.since, r.until), "<main>",
        # totals
        "<section aria-labelledby=\"totals-h\">\n<h2 id=\"totals-h\">Totals</h2>\n<dl class=\"totals\">"
        f"<div><dt>Conversations</dt><dd id=\"total-conversations\">{r.conversations}</dd></div>"
        f"<div><dt>Messages</dt><dd id=\"total-messages\">{r.messages}</dd></div>"
        f"<div><dt>Clarified or can't help</dt><dd id=\"total-fallback\">{_pct(r.fallback_rate)}</dd></div>"
        f"<div><dt>Conversations asking for a person</dt><dd id=\"total-handoffs\">{r.handoffs}</dd></div>"
        f"<div><dt>Open hand-off requests</dt><dd id=\"total-open-handoffs\">{r.open_handoffs}</dd></div>"
        f"</dl>\n<p class=\"hint\">{r.since} to {r.until} (UTC).</p>\n</section>",
        # volume
        "<section aria-labelledby=\"volume-h\">\n<h2 id=\"volume-h\">Conversations and messages per day</h2>\n"
        + _legend(("conversations", "Conversations"), ("messages", "Messages")) + volume_chart(r.days)
        + _days_table(active) + "\n</section>",
        # rates
        "<section aria-labelledby=\"rates-h\">\n<h2 id=\"rates-h\">Clarification and \"can't help\" rate per day</h2>\n"
        "<p class=\"hint\">Share of each day's messages where the bot asked which topic was meant (clarified) "
        "or said honestly it can't help and whom to ask.</p>\n"
        + _legend(("clarified", "Clarified"), ("refused", "Can't help")) + rate_chart(r.days) + "\n</section>",
        # topics
        "<section aria-labelledby=\"topics-h\">\n<h2 id=\"topics-h\">Top topics</h2>\n"
        + (topics_chart(r.top_topics) + _topics_table(r.top_topics) if r.top_topics
           else "<p>No answered questions in this range.</p>") + "\n</section>",
        # feedback
        "<section aria-labelledby=\"feedback-h\">\n<h2 id=\"feedback-h\">Answered and helpful, by topic</h2>\n"
        + (_feedback_table(r) if r.feedback else "<p>No answers in this range.</p>") + "\n</section>",
        # unanswered
        "<section aria-labelledby=\"unanswered-h\">\n<h2 id=\"unanswered-h\">Unanswered questions</h2>\n"
        "<p class=\"hint\">Questions the bot clarified or could not answer, grouped by meaning, newest first.</p>\n"
        f"<p class=\"exports\">Export: <a id=\"export-csv\" href=\"/staff/unanswered.csv?{_e(q)}\" download>CSV</a> · "
        f"<a id=\"export-yml\" href=\"/staff/unanswered.yml?{_e(q)}\" download>answers file (YAML)</a></p>\n"
        + (_unanswered_table(r) if r.unanswered else "<p id=\"no-unanswered\">None in this range.</p>") + "\n</section>",
        # hand-offs
        "<section aria-labelledby=\"handoffs-h\">\n<h2 id=\"handoffs-h\">Open hand-off requests</h2>\n"
        + (_handoffs_table(handoffs, r.since, r.until) if handoffs
           else "<p id=\"no-handoffs\">No open requests.</p>") + "\n</section>",
        "</main>",
    ]
    return _document("Program office - analytics", "\n".join(sections))


def _days_table(days: Sequence[Day]) -> str:
    if not days:
        return "<p>No messages in this range.</p>"
    rows = "".join(f"<tr><th scope=\"row\">{d.day}</th><td>{d.conversations}</td><td>{d.messages}</td>"
                   f"<td>{d.clarified}</td><td>{d.refused}</td><td>{d.handoffs}</td><td>{_pct(d.fallback_rate)}</td></tr>"
                   for d in days)
    return ("<details><summary>The figures per day</summary>\n<table id=\"days-table\">"
            "<caption>Per day (days with messages only)</caption><thead><tr><th scope=\"col\">Day</th>"
            "<th scope=\"col\">Conversations</th><th scope=\"col\">Messages</th><th scope=\"col\">Clarified</th>"
            "<th scope=\"col\">Can't help</th><th scope=\"col\">Asked for a person</th>"
            "<th scope=\"col\">Not answered</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>\n</details>")


def _topics_table(topics: Sequence[Tuple[str, int]]) -> str:
    rows = "".join(f"<tr><th scope=\"row\">{_e(t)}</th><td>{n}</td></tr>" for t, n in topics)
    return ("<table id=\"topics-table\"><caption>Top topics: questions answered</caption>"
            "<thead><tr><th scope=\"col\">Topic</th><th scope=\"col\">Questions</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>")


def _feedback_table(r: Report) -> str:
    rows = []
    for f in r.feedback:
        comments = ("<ul class=\"comments\">" + "".join(f"<li>{_e(c)}</li>" for c in f.comments) + "</ul>"
                    if f.comments else "")
        rows.append(f"<tr><th scope=\"row\">{_e(f.topic)}</th><td>{f.answers}</td><td>{f.helpful}</td>"
                    f"<td>{f.not_helpful}</td><td>{comments}</td></tr>")
    return ("<table id=\"feedback-table\"><caption>Answers given and the visitors' ratings, by topic</caption>"
            "<thead><tr><th scope=\"col\">Topic</th><th scope=\"col\">Answers</th><th scope=\"col\">Helpful</th>"
            "<th scope=\"col\">Not helpful</th><th scope=\"col\">Comments</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


def _unanswered_table(r: Report) -> str:
    rows = []
    for g in r.unanswered:
        others = g.texts[1:]
        wordings = ("<ul class=\"wordings\">" + "".join(f"<li>{_e(t)}</li>" for t in others) + "</ul>") if others else ""
        how = ", ".join(f"{('can' + chr(39) + 't help') if k == 'refused' else k} {n}" for k, n in sorted(g.outcomes.items()))
        rows.append(f"<tr class=\"group\"><td class=\"count\">{g.count}</td><td>{g.last_at:%Y-%m-%d %H:%M}</td>"
                    f"<th scope=\"row\" class=\"example\">{_e(g.example)}</th><td>{wordings}</td><td>{_e(how)}</td></tr>")
    total = sum(g.count for g in r.unanswered)
    return (f"<table id=\"unanswered-table\"><caption>{total} unanswered question(s) in {len(r.unanswered)} group(s)"
            "</caption><thead><tr><th scope=\"col\">Times asked</th><th scope=\"col\">Last asked (UTC)</th>"
            "<th scope=\"col\">Question</th><th scope=\"col\">Other wordings</th><th scope=\"col\">What the bot did</th>"
            f"</tr></thead><tbody>{''.join(rows)}</tbody></table>")


def _handoffs_table(handoffs: Sequence[OpenHandoff], since: dt.date, until: dt.date) -> str:
    rows = []
    for h in handoffs:
        rows.append(
            f"<tr id=\"handoff-{h.id}\"><td>{h.created_at:%Y-%m-%d %H:%M}</td><td>{_e(h.email)}</td>"
            f"<th scope=\"row\" class=\"question\">{_e(h.question)}</th><td>"
            f"<form method=\"post\" action=\"/staff/handoffs/{h.id}/answered\">"
            f"<input type=\"hidden\" name=\"from\" value=\"{since.isoformat()}\">"
            f"<input type=\"hidden\" name=\"to\" value=\"{until.isoformat()}\">"
            f"<button type=\"submit\" aria-label=\"Mark request {h.id} answered\">Mark answered</button></form></td></tr>")
    return ("<table id=\"handoffs-table\"><caption>Questions for the office not answered yet, the oldest first"
            "</caption><thead><tr><th scope=\"col\">Created (UTC)</th><th scope=\"col\">E-mail</th>"
            "<th scope=\"col\">Question</th><th scope=\"col\">Action</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")
