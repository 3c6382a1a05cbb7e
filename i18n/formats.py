"""Amounts, numbers and dates written the way each locale writes them (Babel's CLDR data).

Times a reader should see in their own time zone go through Slack's date token
(`slack_date`): Slack renders it for each reader; the fallback (old clients, notifications)
is the UTC time in the message's locale.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from babel.dates import format_date, format_time
from babel.numbers import format_currency, format_decimal

from i18n.negotiate import babel_locale

Number = int | float | Decimal


def amount(value: Number, currency: str, locale: str) -> str:
    """12500 CAD in fr-CA → "12 500,00 $" (no-break spaces, as CLDR writes it)."""
    return format_currency(value, currency, locale=babel_locale(locale))


def number(value: Number, locale: str) -> str:
    """12500.5 in de-DE → "12.500,5"."""
    return format_decimal(value, locale=babel_locale(locale))


def day(value: date, locale: str) -> str:
    """A calendar date, medium length: "4 déc. 2026" in fr-FR, "Dec 4, 2026" in en-US."""
    return format_date(value, format="medium", locale=babel_locale(locale))


def utc_time(at: datetime, locale: str) -> str:
    """A moment in UTC, for text no Slack client renders: "4 déc. 2026 14 h 05 UTC" (fr-CA)."""
    moment, where = at.astimezone(UTC), babel_locale(locale)
    shown = f"{format_date(moment, 'medium', where)} {format_time(moment, 'short', UTC, where)}"
    return f"{shown} UTC"


def slack_date(at: datetime, tokens: str, locale: str) -> str:
    """Slack's `<!date^…>` token: `tokens` is Slack's format ("{date_short_pretty} at {time}",
    its words already in the reader's language); the fallback is `utc_time`."""
    epoch = int(at.timestamp())
    return f"<!date^{epoch}^{tokens}|{utc_time(at, locale)}>"
