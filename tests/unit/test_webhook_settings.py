"""The webhook settings: the namespace is checked at start-up (one line naming it), the secret is
derived when not set (never the signing secret) and masked in logs; no PUBLIC_URL, no hooks."""

from __future__ import annotations

import pytest

from bot.runtime import webhook_config
from bot.settings import SettingsError, load_settings, settings_from


@pytest.mark.parametrize("namespace", ["CCO-bot", "cco_bot", "cco bot", "", "-", "cco-"])
def test_a_bad_namespace_stops_start_up_naming_the_variable(namespace: str) -> None:
    with pytest.raises(SettingsError, match=r"^PROCORE_WEBHOOK_NAMESPACE is invalid"):
        load_settings(procore_webhook_namespace=namespace)


def test_config_only_with_public_url_and_a_derived_secret_kept_out_of_logs() -> None:
    assert webhook_config(settings_from({"slack_signing_secret": "s3cret"})) is None
    settings = settings_from(
        {"slack_signing_secret": "s3cret", "public_url": "https://bot.example/"}
    )
    config = webhook_config(settings)
    assert config is not None and config.url == "https://bot.example/procore/webhooks"
    assert config.namespace == "cco-bot" and config.authorization.startswith("Bearer ")
    assert "s3cret" not in config.authorization and "s3cret" not in repr(config)
    assert config.authorization in settings.secret_values()
    chosen = settings_from(
        {"public_url": "https://bot.example", "procore_webhook_secret": "Bearer x"}
    )
    assert (
        webhook_config(chosen) == webhook_config(chosen)
        and chosen.webhook_authorization() == "Bearer x"
    )
