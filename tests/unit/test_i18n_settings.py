"""DEFAULT_LOCALE: the language of people whose Slack locale the app doesn't speak."""

from __future__ import annotations

import pytest

from bot.settings import SettingsError, load_settings, settings_from


def test_the_default_is_us_english() -> None:
    assert settings_from({}).default_locale == "en-US"


@pytest.mark.parametrize(
    ("value", "expected"), [("fr-CA", "fr-CA"), ("fr_ca", "fr-CA"), ("de", "de-DE")]
)
def test_a_supported_locale_or_language_is_taken(value: str, expected: str) -> None:
    assert settings_from({"default_locale": value}).default_locale == expected


@pytest.mark.parametrize("value", ["pt-BR", "en-XA", "klingon"])
def test_anything_else_stops_start_up_naming_the_variable(value: str) -> None:
    with pytest.raises(SettingsError, match=r"^DEFAULT_LOCALE is invalid: must be one of: en-US"):
        load_settings(default_locale=value)
