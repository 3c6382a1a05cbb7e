"""The pseudo-locale (`en-XA`): every source message accented and bracketed, generated in code.

A test that renders what the app posts in `en-XA` finds any English left outside ⟦…⟧: a string
that never went through the catalog. Placeholders (`{name}`), code spans (`` `/cco unlink` ``)
and Slack tokens (`<@U123>`, `<!date^…>`) are kept as they are, so the text still works.
"""

from __future__ import annotations

import re

from babel.messages.catalog import Catalog

OPEN, CLOSE = "⟦", "⟧"
_KEEP = re.compile(r"(\{[^{}]*\}|`[^`]*`|<[^<>]*>)")
_ACCENTS = str.maketrans(
    "AaCcDdEeGgHhIiJjKkLlNnOoRrSsTtUuWwYyZz",
    "ÅåÇçÐðÉéĜĝĤĥÎîĴĵĶķĻļÑñÖöŔŕŠšŢţÛûŴŵÝýŽž",
)


def accent(text: str) -> str:
    """`text` with every letter outside placeholders, code spans and Slack tokens accented."""
    parts = _KEEP.split(text)
    return "".join(p if i % 2 else p.translate(_ACCENTS) for i, p in enumerate(parts))


def pseudo_text(text: str) -> str:
    return f"{OPEN}{accent(text)}{CLOSE}" if text else text


def pseudo_catalog(template: Catalog) -> Catalog:
    """A catalog translating every message of `template` into its pseudo form."""
    catalog = Catalog(locale="en_US", domain=template.domain, fuzzy=False)
    for message in template:
        if not message.id:
            continue
        if isinstance(message.id, tuple | list):
            catalog.add(message.id, tuple(pseudo_text(str(form)) for form in message.id))
        else:
            catalog.add(message.id, pseudo_text(message.id))
    return catalog


_WORD = re.compile(r"[A-Za-z]{2,}")
_INNERMOST = re.compile(f"{OPEN}[^{OPEN}{CLOSE}]*{CLOSE}")


def untranslated(text: str) -> list[str]:
    """English words in `text` outside the pseudo brackets, code spans and Slack tokens: text a
    pseudo-locale run shows that no catalog message produced."""
    outside, before = text, ""
    while outside != before:  # messages nest (a label inside a sentence): innermost first
        before, outside = outside, _INNERMOST.sub(" ", outside)
    return _WORD.findall(_KEEP.sub(" ", outside))


def texts_of(payload: object) -> list[str]:
    """Every text a person reads in a Slack payload (message, modal or Home view): `text`,
    `fallback`, `title`, the `text` of blocks, buttons and options (values and ids are not
    read, so they are not returned)."""
    found: list[str] = []
    if isinstance(payload, dict):
        for key, value in payload.items():
            if key in ("text", "fallback", "title", "placeholder") and isinstance(value, str):
                found.append(value)
            elif key not in ("value", "action_id", "block_id", "callback_id", "private_metadata"):
                found += texts_of(value)
    elif isinstance(payload, list):
        for item in payload:
            found += texts_of(item)
    return found
