"""Settings from the environment and an optional `.env` (real environment variables win).

Loaded once in `bot/`, validated per command: a missing or malformed setting stops start-up with
one line naming the variable (`SettingsError`).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Literal

from babel.numbers import is_currency
from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from erp.base import ErpMisconfigured
from erp.registry import SYSTEMS, check_settings
from erp.settings import ErpSettings
from i18n import PSEUDO, SUPPORTED, supported
from procore.permissions import PermissionKeys

Command = Literal["serve", "socket", "sandbox", "db", "doctor"]
#: the commands that reach Slack, Procore and the ERP (`doctor` only reads)
CONNECTED: tuple[Command, ...] = ("serve", "socket", "doctor")

#: systems whose adapter makes no network call (Procore syncs no CCOs with them)
NO_ERP_CALLS = frozenset({"quickbooks_online", "netsuite"})


class SettingsError(Exception):
    """One line naming the variable that is missing or malformed."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    slack_signing_secret: str | None = None
    slack_bot_token: str | None = None
    slack_app_token: str | None = None
    #: many workspaces (Slack OAuth install): both set turns it on; SLACK_BOT_TOKEN is then unused
    slack_client_id: str | None = None
    slack_client_secret: str | None = None
    slack_api_url: str = "https://slack.com/api/"
    #: seconds to wait for one Slack Web API answer (each retry waits again)
    slack_timeout: int = Field(default=10, ge=1)

    procore_client_id: str | None = None
    procore_client_secret: str | None = None
    procore_company_id: int | None = None
    procore_api_url: str = "https://api.procore.com"
    procore_login_url: str = "https://login.procore.com"
    procore_tool_commitments: str = "commitments"
    procore_tool_erp_integrations: str = "erp_integrations"
    procore_level_admin: int = 4
    procore_level_standard: int = 3
    procore_timeout: float = Field(default=15.0, gt=0)
    procore_max_rate_limit_wait: float = Field(default=60.0, ge=0)

    erp_system: str | None = None
    erp_base_url: str | None = None
    erp_username: str | None = None
    erp_password: str | None = None
    erp_client_id: str | None = None
    erp_client_secret: str | None = None
    erp_tenant: str | None = None
    erp_endpoint: str = "Default/24.200.001"
    erp_allow_voided: bool = False
    erp_api_version: str = "v44.0"
    erp_timeout: float = Field(default=10.0, gt=0)

    #: the app's public base URL (audit CSV links, the Procore OAuth callback); unset: neither
    public_url: str | None = None
    #: Fernet key(s), comma-separated, that encrypt linked Procore tokens; unset: no linking
    token_encryption_key: str | None = None
    #: refuse unlinks and approvals from people who have not linked their Procore account
    require_linked_account: bool = False
    database_url: str = "sqlite+aiosqlite:///./cco-bot.db"
    host: str = "0.0.0.0"
    port: int = Field(default=3000, ge=0, le=65535)
    #: Prometheus `GET /metrics` on its own port (bound to HOST; keep it private), and/or on
    #: PORT behind `Authorization: Bearer METRICS_TOKEN`; neither set: no metrics (bot/metrics.py)
    metrics_port: int | None = Field(default=None, ge=0, le=65535)
    metrics_token: str | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["console", "json"] = "console"

    #: how long a claimed attempt may stay in flight before another process may finish it
    attempt_lease_seconds: float = Field(default=45.0, gt=0)
    #: how often each replica recovers abandoned attempts and retries owed Slack replies
    sweep_interval_seconds: float = Field(default=10.0, gt=0)
    #: pending unlink requests expire after this many hours
    request_ttl_hours: float = Field(default=72.0, gt=0)
    #: the four-eyes rule: a requester may not approve (or deny) their own request
    four_eyes: bool = False
    #: how long a replica holds a Slack reply it is posting before another may retry it
    outbox_claim_seconds: float = Field(default=30.0, gt=0)
    #: the language of people whose Slack locale the app doesn't speak (a locale of
    #: `i18n.SUPPORTED`, or a language: "fr" is fr-FR); a channel's `/cco language` wins for
    #: what the whole channel sees
    default_locale: str = "en-US"
    #: the ISO 4217 code of the amounts Procore shows, for CCOs whose Procore answer names none
    #: (`currency_configuration.currency_iso_code` wins when present)
    currency: str = "USD"
    #: the app's Procore Webhooks namespace: its hooks are the ones under it (a-z and dashes)
    procore_webhook_namespace: str = "cco-bot"
    #: what Procore sends in the Authorization header of its deliveries; unset: derived from the
    #: Slack signing secret (`webhook_authorization`)
    procore_webhook_secret: str | None = None
    #: how often linked projects' hooks and CCO index are reconciled with Procore
    reconcile_minutes: float = Field(default=15.0, gt=0)

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("slack_api_url")
    @classmethod
    def _slack_api_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL ending in /api/")
        return value if value.endswith("/") else value + "/"

    @field_validator("procore_api_url", "procore_login_url", "erp_base_url", "public_url")
    @classmethod
    def _base_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value.rstrip("/")

    @field_validator("token_encryption_key")
    @classmethod
    def _fernet_keys(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from storage.accounts import TokenCipher

        try:
            TokenCipher(value)
        except ValueError:
            raise ValueError(
                "must be a Fernet key (32 url-safe base64 bytes), or several separated by commas"
            ) from None
        return value

    def secret_values(self) -> tuple[str, ...]:
        """The configured secrets, for the log masking (`bot.logging.configure_logging`)."""
        keys = (self.token_encryption_key or "").split(",")
        values = (
            self.slack_signing_secret,
            self.slack_bot_token,
            self.slack_app_token,
            self.slack_client_secret,
            self.procore_client_secret,
            self.webhook_authorization(),
            self.erp_password,
            self.erp_client_secret,
            self.metrics_token,
            *keys,
        )
        return tuple(v.strip() for v in values if v and v.strip())

    def many_workspaces(self) -> bool:
        """Installed by OAuth into any workspace or Grid org (Bolt's OAuth flow)."""
        return bool(self.slack_client_id and self.slack_client_secret)

    def webhook_authorization(self) -> str:
        """The secret of the app's hooks: PROCORE_WEBHOOK_SECRET, else derived (never the
        signing secret itself)."""
        if self.procore_webhook_secret:
            return self.procore_webhook_secret
        key = (self.slack_signing_secret or self.slack_app_token or "").encode()
        digest = hmac.new(key, b"cco-bot procore webhooks", hashlib.sha256).hexdigest()
        return f"Bearer {digest}"

    @field_validator("procore_webhook_namespace")
    @classmethod
    def _namespace(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z]+(-[a-z]+)*", value):
            raise ValueError("must be lowercase letters a-z and dashes, e.g. cco-bot")
        return value

    def linking_enabled(self) -> bool:
        return bool(self.public_url and self.token_encryption_key)

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value

    @field_validator("default_locale")
    @classmethod
    def _default_locale(cls, value: str) -> str:
        found = supported(value)
        if found is None or found == PSEUDO:
            raise ValueError(f"must be one of: {', '.join(SUPPORTED)}")
        return found

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        code = value.strip().upper()
        if not is_currency(code):
            raise ValueError("must be an ISO 4217 currency code (USD, CAD, EUR, GBP, AUD, …)")
        return code

    @field_validator("erp_system")
    @classmethod
    def _erp_system(cls, value: str | None) -> str | None:
        if value is not None and value not in SYSTEMS:
            raise ValueError(f"must be one of: {', '.join(sorted(SYSTEMS))}")
        return value

    # -- derived ------------------------------------------------------------------------------

    def erp(self) -> ErpSettings:
        assert self.erp_system is not None
        return ErpSettings(
            system=self.erp_system,
            base_url=self.erp_base_url,
            username=self.erp_username,
            password=self.erp_password,
            client_id=self.erp_client_id,
            client_secret=self.erp_client_secret,
            tenant=self.erp_tenant,
            endpoint=self.erp_endpoint,
            allow_voided=self.erp_allow_voided,
            api_version=self.erp_api_version,
            timeout=self.erp_timeout,
        )

    def permission_keys(self) -> PermissionKeys:
        return PermissionKeys(
            commitments_tool=self.procore_tool_commitments,
            erp_integrations_tool=self.procore_tool_erp_integrations,
            admin_level=self.procore_level_admin,
            standard_level=self.procore_level_standard,
        )

    def require_for(self, command: Command) -> None:
        """Stop with one line naming the first setting `command` needs but lacks."""
        needed: list[str] = []
        if command in ("serve", "socket"):
            needed.append("slack_signing_secret" if command == "serve" else "slack_app_token")
        if command in CONNECTED:
            needed += [
                "slack_bot_token",
                "procore_client_id",
                "procore_client_secret",
                "procore_company_id",
                "erp_system",
            ]
        if self.many_workspaces():
            # each installation's bot token is stored encrypted instead; each workspace's
            # Procore company and ERP come from its set-up (storage/tenants.py)
            needed = [n if n != "slack_bot_token" else "token_encryption_key" for n in needed]
            needed = [n for n in needed if n not in ("procore_company_id", "erp_system")]
        for name in needed:
            if getattr(self, name) in (None, ""):
                raise SettingsError(f"{name.upper()} is not set (needed by `cco-bot {command}`)")
        if command in CONNECTED and self.erp_system is not None:
            self._require_erp()
            if self.require_linked_account and not self.linking_enabled():
                raise SettingsError(
                    "REQUIRE_LINKED_ACCOUNT needs PUBLIC_URL and TOKEN_ENCRYPTION_KEY to be set"
                )

    def _require_erp(self) -> None:
        if self.erp_system in NO_ERP_CALLS:
            return
        if not self.erp_base_url:
            raise SettingsError(f"ERP_BASE_URL is not set (needed by ERP_SYSTEM={self.erp_system})")
        try:
            check_settings(self.erp())
        except ErpMisconfigured as exc:
            raise SettingsError(f"{exc.reason} (ERP_SYSTEM={self.erp_system})") from None


def load_settings(**overrides: object) -> Settings:
    """Read the environment (and `.env`); raise `SettingsError` naming the first bad variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "settings"
        value_hint = first["msg"].removeprefix("Value error, ")
        raise SettingsError(f"{name} is invalid: {value_hint}") from None


def settings_from(values: dict[str, object]) -> Settings:
    """Settings from explicit values (lower-case names) without reading `.env`; explicit values
    win over the environment. Used by `cco-bot sandbox` and the tests."""
    return Settings(_env_file=None, **values)  # type: ignore[call-arg, arg-type]
