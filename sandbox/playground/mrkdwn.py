"""Slack mrkdwn -> HTML for the subset the app writes, with every piece of text HTML-escaped.

Handled: *bold*, _italic_, ~strike~, `code`, ```pre```, links `<url|text>`, mentions `<@U..>`,
channels `<#C..|name>`, `<!here>`, date tokens `<!date^epoch^{format}|fallback>`, the entities
`&amp; &lt; &gt;`, newlines, `• ` bullet lines, `>` quote lines and the :emoji: shortcodes
listed in `EMOJI`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from datetime import UTC, datetime

Names = Mapping[str, str]

EMOJI: dict[str, str] = {
    "white_check_mark": "✅",
    "heavy_check_mark": "✔️",
    "x": "❌",
    "warning": "⚠️",
    "hourglass_flowing_sand": "⏳",
    "hourglass": "⌛",
    "link": "🔗",
    "lock": "🔒",
    "unlock": "🔓",
    "no_entry": "⛔",
    "information_source": "ℹ️",
    "mag": "🔍",
    "arrows_counterclockwise": "🔄",
    "eyes": "👀",
    "tada": "🎉",
    "bell": "🔔",
    "no_bell": "🔕",
    "wastebasket": "🗑️",
}

_FENCE = re.compile(r"```(.*?)```", re.S)
_CODE = re.compile(r"`([^`\n]+)`")
_ANGLE = re.compile(r"<([^<>\n]+)>")
_EMOJI = re.compile(r":([a-z0-9_+\-]+):")
_STYLES = (
    (re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])"), "b"),
    (re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])"), "i"),
    (re.compile(r"(?<![\w~])~(?=\S)([^~\n]+?)(?<=\S)~(?![\w~])"), "s"),
)
_HOLE = re.compile(r"\x00(\d+)\x00")
_SAFE_SCHEMES = ("http://", "https://", "mailto:")
#: Slack's deep links (https://docs.slack.dev/interactivity/deep-linking), shown as links
_SLACK_SCHEME = "slack://"
_BULLET = "• "
_QUOTE = (">", "&gt;")


def esc(text: str) -> str:
    """HTML-escape text (quotes included, so the result is safe in attributes too)."""
    return html.escape(text, quote=True)


def unentity(text: str) -> str:
    """Undo the three entities Slack requires in message text."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def emojify(escaped: str) -> str:
    return _EMOJI.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), escaped)


def mrkdwn(text: str, names: Names) -> str:
    """Render a mrkdwn string as HTML."""
    out: list[str] = []
    last = 0
    for fence in _FENCE.finditer(text):
        out.append(_lines(text[last : fence.start()], names))
        body = fence.group(1).removeprefix("\n")
        out.append(f'<pre class="mk-pre">{esc(unentity(body))}</pre>')
        last = fence.end()
    out.append(_lines(text[last:], names))
    return "".join(out)


def _lines(text: str, names: Names) -> str:
    """Lines joined by <br>; consecutive `• ` lines become a list, `>` lines a quote."""
    if not text:
        return ""
    groups: list[tuple[str, list[str]]] = []
    for line in text.split("\n"):
        kind, shown = _line(line, names)
        if groups and groups[-1][0] == kind:
            groups[-1][1].append(shown)
        else:
            groups.append((kind, [shown]))
    return "".join(_group(kind, lines) for kind, lines in groups)


def _line(line: str, names: Names) -> tuple[str, str]:
    if line.startswith(_BULLET):
        return "bullet", inline(line[len(_BULLET) :], names)
    for mark in _QUOTE:
        if line.startswith(mark):
            return "quote", _indent(line[len(mark) :].removeprefix(" "), names)
    return "plain", _indent(line, names)


def _group(kind: str, lines: list[str]) -> str:
    if kind == "bullet":
        return '<ul class="mk-list">' + "".join(f"<li>{item}</li>" for item in lines) + "</ul>"
    if kind == "quote":
        return f'<blockquote class="mk-quote">{"<br>".join(lines)}</blockquote>'
    return "<br>".join(lines)


def _indent(line: str, names: Names) -> str:
    stripped = line.lstrip(" ")
    return "&nbsp;" * (len(line) - len(stripped)) + inline(stripped, names)


def inline(text: str, names: Names) -> str:
    """One line: code spans verbatim, then tokens, entities, emoji and bold/italic/strike."""
    out: list[str] = []
    last = 0
    for code in _CODE.finditer(text):
        out.append(_styled(text[last : code.start()], names))
        out.append(f'<code class="mk-code">{esc(unentity(code.group(1)))}</code>')
        last = code.end()
    out.append(_styled(text[last:], names))
    return "".join(out)


def _styled(text: str, names: Names) -> str:
    holes: list[str] = []

    def hole(match: re.Match[str]) -> str:
        rendered = token(match.group(1), names)
        if rendered is None:
            return match.group(0)
        holes.append(rendered)
        return f"\x00{len(holes) - 1}\x00"

    marked = _ANGLE.sub(hole, text)
    escaped = emojify(esc(unentity(marked)))
    for pattern, tag in _STYLES:
        escaped = pattern.sub(rf"<{tag}>\1</{tag}>", escaped)
    return _HOLE.sub(lambda m: holes[int(m.group(1))], escaped)


def token(inner: str, names: Names) -> str | None:
    """A `<...>` token as HTML, or None when it is not one Slack would format."""
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        user_id = target[1:]
        name = names.get(user_id) or label or user_id
        return f'<span class="mk-mention" data-user="{esc(user_id)}">@{esc(name)}</span>'
    if target.startswith("#"):
        return f'<span class="mk-channel">#{esc(unentity(label) or target[1:])}</span>'
    if target.startswith("!date^"):
        return date_token(target, unentity(label))
    if target.startswith("!"):
        special = target[1:].split("^")[0]
        return f'<span class="mk-mention">@{esc(unentity(label).lstrip("@") or special)}</span>'
    url = unentity(target)
    if url.startswith(_SAFE_SCHEMES):
        text = esc(unentity(label) or url)
        return f'<a class="mk-link" href="{esc(url)}" target="_blank" rel="noopener">{text}</a>'
    if url.startswith(_SLACK_SCHEME):
        # a deep link into Slack (e.g. an app's Home tab): the page opens it itself
        text = esc(unentity(label) or url)
        return f'<a class="mk-link" href="{esc(url)}" data-slack-link="1">{text}</a>'
    return None


def date_token(target: str, fallback: str) -> str:
    """`!date^epoch^format[^link]` as a <time> readable in UTC (the page shows local time)."""
    parts = target.split("^")
    try:
        epoch = int(parts[1])
        form = parts[2]
        at = datetime.fromtimestamp(epoch, UTC)
    except (IndexError, ValueError, OverflowError, OSError):
        return f'<span class="mk-date">{esc(fallback)}</span>'
    shown = readable_date(at, form)
    return (
        f'<time class="mk-date" datetime="{at.isoformat()}" data-epoch="{epoch}" '
        f'data-format="{esc(form)}" title="{esc(fallback)}">{esc(shown)}</time>'
    )


def _ordinal(day: int) -> str:
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def readable_date(at: datetime, form: str) -> str:
    """Fill Slack's date-format tokens (in UTC; the relative "pretty" ones as absolute dates)."""
    short = f"{at:%b} {at.day}, {at.year}"
    long_date = f"{at:%B} {_ordinal(at.day)}, {at.year}"
    pieces = {
        "date_num": f"{at:%Y-%m-%d}",
        "date": long_date,
        "date_pretty": long_date,
        "date_short": short,
        "date_short_pretty": short,
        "date_long": f"{at:%A}, {long_date}",
        "date_long_pretty": f"{at:%A}, {long_date}",
        "time": f"{at:%H:%M} UTC",
        "time_secs": f"{at:%H:%M:%S} UTC",
        "ago": short,
    }
    return re.sub(r"\{(\w+)\}", lambda m: pieces.get(m.group(1), m.group(0)), form)
