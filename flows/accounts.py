"""Linking a Slack user to their own Procore account (`/cco connect`, `/cco disconnect`).

The link is Procore's authorization-code grant: `start_connect` makes a single-use `state` and
the sign-in URL, the OAuth callback calls `finish_connect`, and `user_tokens` hands out a live
access token, refreshing it first when it is about to expire. Procore's refresh tokens are
single-use, so one process at a time may spend one (`storage.accounts.claim_refresh`) and the
new pair is stored with a conditional update (`storage.accounts.rotate`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlencode

import structlog

from i18n import N_
from procore.errors import ProcoreError, ProcoreForbidden, ProcoreNotFound, ProcoreUnreachable
from procore.manifest import ManifestReader, TokenRefused
from procore.models import PermissionSnapshot, ProcoreUser
from procore.oauth import GrantRefused, ProcoreOAuth, UserTokens
from storage import accounts
from storage.accounts import AccountTaken, LinkedAccount, TokenCipher, UnreadableAccount
from storage.db import Database
from storage.models import utcnow

log = structlog.get_logger("cco.accounts")

# The pages' sentences are source messages (the OAuth pages translate them, docs/messages.md);
# `ConnectRefused.reason` keeps the English text for logs and tests.
STATE_REFUSED = N_(
    "This connect link is not valid any more: each link works once, for 10 minutes, and only "
    "for the person it was sent to. Run `/cco connect` in Slack for a new one."
)
CODE_REFUSED = N_(
    "Run `/cco connect` again: Procore did not accept the sign-in (it may have expired)."
)
APP_REFUSED = N_(
    "Procore refused this app's credentials. Ask your admin to check PROCORE_CLIENT_ID, "
    "PROCORE_CLIENT_SECRET and the app's redirect URL in Procore."
)
UNREACHABLE = N_("Procore could not be reached, so nothing was saved. Run `/cco connect` again.")
DENIED = N_("You did not authorize the app in Procore, so nothing was connected.")
SLACK_UNREADABLE = N_(
    "Run `/cco connect` again: Slack could not be asked who started this link, so nothing was "
    "connected and the sign-in was revoked."
)
NOT_IN_COMPANY = N_(
    "Your Procore account is not a user of the company this app works in ({company}). Sign in "
    "with your account in that company."
)
INACTIVE = N_("Your Procore account is not active in this company.")
WRONG_PERSON = N_(
    "Run `/cco connect` in Slack yourself: each person links their own account. This connect "
    "link was started in Slack by {slack_user}, to link their own Procore account, but the "
    "sign-in was as {procore_user}, whose email is not that Slack user's email. Nothing was "
    "connected, and this sign-in was revoked at Procore."
)
NO_EMAIL = N_(
    "Run `/cco connect` in Slack yourself: each person links their own account. This connect "
    "link was started in Slack by {slack_user}, to link their own Procore account, but the "
    "sign-in was as {procore_user}, and that Slack user has no email in Slack to compare it "
    "with. Nothing was connected, and this sign-in was revoked at Procore."
)
TAKEN = N_(
    "The Procore account {procore_user} is already linked to another Slack user in this "
    "workspace, and one Procore account links to one Slack user. Nothing was connected, and "
    "this sign-in was revoked. That Slack user can run `/cco disconnect` first."
)


@dataclass(frozen=True)
class SlackPerson:
    """A Slack user as `users.info` shows them: display name and profile email."""

    name: str
    email: str | None


#: the Slack user's name and email by user id; None when Slack has no such (human) user
SlackLookup = Callable[[str], Awaitable[SlackPerson | None]]


@dataclass
class ProcoreAccounts:
    """What the account flows need, built once in `bot/`."""

    db: Database
    oauth: ProcoreOAuth
    reader: ManifestReader
    cipher: TokenCipher
    #: who a Slack user is: the Procore account signed in must have the same email
    slack_person: SlackLookup
    #: the app's own start page (`/procore/oauth/start`) that names the Slack user being linked
    #: before sending the browser to Procore; None sends it straight to Procore's sign-in
    start_url: str | None = None
    #: how long a connect link (its `state`) stays usable
    state_ttl: timedelta = field(default=timedelta(minutes=10))
    #: refresh an access token this long before it expires
    refresh_margin: timedelta = field(default=timedelta(minutes=5))
    #: how long a process may hold the right to spend a refresh token
    refresh_hold: timedelta = field(default=timedelta(seconds=30))
    #: how often a process waiting for another's refresh looks again (seconds)
    poll: float = 0.05


@dataclass(frozen=True)
class Connected:
    team_id: str
    slack_user_id: str
    procore_user_id: int
    procore_user_name: str
    slack_user_name: str = ""


@dataclass(frozen=True)
class ConnectRefused:
    """Why nothing was connected, for the page shown to whoever signed in. When the Slack user
    who started the link must know too (someone else signed in with it: `wrong_person`,
    `no_email`; or the account is another Slack user's: `taken`), `notify` names the case."""

    reason: str
    slack_user_id: str | None = None
    notify: str | None = None
    signed_in_as: str = ""
    #: the Slack user the Procore account is linked to already (`taken`), when known
    holder: str | None = None
    #: the workspace of the link, when known (the pages speak its Slack user's language)
    team_id: str | None = None
    #: the reason's source message and its values, when it has any (the pages translate it)
    message: str = ""
    values: tuple[tuple[str, str], ...] = ()


def _refused(
    message: str,
    values: dict[str, str],
    who: accounts.LinkRequest | None = None,
    notify: str | None = None,
    signed_in_as: str = "",
    holder: str | None = None,
) -> ConnectRefused:
    """A refusal whose page names people or a company: its English `reason`, and the message
    with its values for the pages to translate."""
    return ConnectRefused(
        message.format(**values),
        who.slack_user_id if who else None,
        notify,
        signed_in_as,
        holder,
        team_id=who.team_id if who else None,
        message=message,
        values=tuple(values.items()),
    )


@dataclass(frozen=True)
class ConnectStart:
    """The start page: whose link this is, and where Procore's sign-in is."""

    slack_user_name: str
    authorize_url: str
    #: whose link it is (the page speaks their language)
    team_id: str = ""
    slack_user_id: str = ""


@dataclass(frozen=True)
class Disconnected:
    was_connected: bool
    #: False when Procore could not be reached to revoke (the tokens were forgotten anyway)
    revoked: bool


@dataclass(frozen=True)
class Connection:
    procore_user_id: int
    procore_user_name: str
    connected_at: datetime


class ReconnectNeeded(Exception):
    """The user's Procore link stopped working (revoked in Procore, or its refresh token was
    spent elsewhere: then it was removed; or its tokens cannot be decrypted with this server's
    TOKEN_ENCRYPTION_KEY: then it is kept), and they must run `/cco connect` again."""


async def start_connect(acc: ProcoreAccounts, team_id: str, slack_user_id: str) -> str:
    """The connect link for this Slack user: single-use, valid for `state_ttl`; the app's start
    page when there is one, else Procore's sign-in."""
    async with acc.db.transaction() as s:
        state = await accounts.new_link_state(
            session=s, team_id=team_id, slack_user_id=slack_user_id, ttl=acc.state_ttl
        )
    if acc.start_url is not None:
        return f"{acc.start_url}?{urlencode({'state': state})}"
    return acc.oauth.authorize_url(state)


async def connect_start(acc: ProcoreAccounts, state: str) -> ConnectStart | ConnectRefused:
    """The start page of a connect link: it names the Slack user being linked (the `state`
    stays unspent until Procore sends the browser back)."""
    async with acc.db.session() as s:
        who = await accounts.peek_link_state(session=s, state=state)
    if who is None:
        return ConnectRefused(STATE_REFUSED)
    person = await _slack_person(acc, who.slack_user_id)
    if isinstance(person, ConnectRefused):
        return person
    name = person.name if person is not None else who.slack_user_id
    return ConnectStart(name, acc.oauth.authorize_url(state), who.team_id, who.slack_user_id)


async def finish_connect(acc: ProcoreAccounts, state: str, code: str) -> Connected | ConnectRefused:
    """The OAuth callback: spend `state`, exchange `code`, learn who signed in, store tokens."""
    async with acc.db.transaction() as s:
        who = await accounts.consume_link_state(session=s, state=state)
    if who is None:
        return ConnectRefused(STATE_REFUSED)
    tokens = await _exchange(acc, code)
    if isinstance(tokens, ConnectRefused):
        return tokens
    user = await _check_user(acc, tokens)
    same = user if isinstance(user, ConnectRefused) else await _same_person(acc, who, user)
    if isinstance(same, ConnectRefused):
        await _revoke_quietly(acc, tokens.access_token)
        return same
    user, slack_name = same
    return await _store_tokens(acc, who, user, slack_name, tokens)


async def _exchange(acc: ProcoreAccounts, code: str) -> UserTokens | ConnectRefused:
    """The user's tokens for the callback's `code`, or the page saying why there are none."""
    try:
        return await acc.oauth.exchange(code)
    except GrantRefused:
        return ConnectRefused(CODE_REFUSED)
    except ProcoreUnreachable:
        return ConnectRefused(UNREACHABLE)
    except ProcoreError:
        return ConnectRefused(APP_REFUSED)


async def _store_tokens(
    acc: ProcoreAccounts,
    who: accounts.LinkRequest,
    user: ProcoreUser,
    slack_name: str,
    tokens: UserTokens,
) -> Connected | ConnectRefused:
    """Store the signed-in user's tokens for `who`, then revoke the ones they replace; refused
    when the Procore account was linked to another Slack user since it was checked."""
    previous = await _previous(acc, who.team_id, who.slack_user_id)
    try:
        async with acc.db.transaction() as s:
            await accounts.save(
                session=s,
                cipher=acc.cipher,
                team_id=who.team_id,
                slack_user_id=who.slack_user_id,
                procore_user_id=user.id,
                procore_user_name=user.name,
                access_token=tokens.access_token,
                refresh_token=tokens.refresh_token,
                expires_at=tokens.expires_at,
            )
    except AccountTaken:  # linked to another Slack user between the check and the save
        await _revoke_quietly(acc, tokens.access_token)
        return _taken(who, user, None)
    if previous is not None and previous.access_token != tokens.access_token:
        await _revoke_quietly(acc, previous.access_token)
    log.info("accounts.connected", user=who.slack_user_id, procore_user_id=user.id)
    return Connected(who.team_id, who.slack_user_id, user.id, user.name, slack_name)


async def refuse_connect(acc: ProcoreAccounts, state: str) -> ConnectRefused:
    """The user declined in Procore: spend the `state` so the link cannot be used again."""
    async with acc.db.transaction() as s:
        await accounts.consume_link_state(session=s, state=state)
    return ConnectRefused(DENIED)


async def disconnect(acc: ProcoreAccounts, team_id: str, slack_user_id: str) -> Disconnected:
    """Revoke the user's tokens at Procore and forget them."""
    revoked = False
    try:
        async with acc.db.session() as s:
            account = await accounts.load(
                session=s, cipher=acc.cipher, team_id=team_id, slack_user_id=slack_user_id
            )
    except UnreadableAccount:
        account = None  # tokens that cannot be read cannot be revoked either
    if account is not None:
        revoked = await _revoke_quietly(acc, account.access_token)
    async with acc.db.transaction() as s:
        removed = await accounts.delete(session=s, team_id=team_id, slack_user_id=slack_user_id)
    log.info("accounts.disconnected", user=slack_user_id, revoked=revoked)
    return Disconnected(was_connected=removed, revoked=revoked)


async def connection(acc: ProcoreAccounts, team_id: str, slack_user_id: str) -> Connection | None:
    """Who the Slack user is linked to, if anyone (for `/cco status` and App Home)."""
    account = await _previous(acc, team_id, slack_user_id)
    if account is None:
        return None
    return Connection(account.procore_user_id, account.procore_user_name, account.connected_at)


async def user_tokens(acc: ProcoreAccounts, team_id: str, slack_user_id: str) -> str | None:
    """A live access token for the linked user, or None when they have not linked.

    Raises `ReconnectNeeded` when Procore refused the refresh token, and `ProcoreUnreachable`
    when a refresh could not be made (nothing was lost; try again later).
    """
    deadline = time.monotonic() + acc.refresh_hold.total_seconds() + 5
    seen: int | None = None
    while True:
        account = await _load(acc, team_id, slack_user_id)
        if account is None:
            return None
        now = utcnow()
        if account.expires_at - acc.refresh_margin > now:
            return account.access_token
        if seen is not None and account.version != seen and account.expires_at > now:
            return account.access_token  # another process refreshed it while we waited
        seen = account.version if seen is None else seen
        async with acc.db.transaction() as s:
            claimed = await accounts.claim_refresh(
                session=s,
                team_id=team_id,
                slack_user_id=slack_user_id,
                version=account.version,
                hold=acc.refresh_hold,
            )
        if claimed:
            token = await _refresh(acc, account)
            if token is not None:
                return token
        elif time.monotonic() > deadline:
            raise ProcoreUnreachable("another refresh of this Procore token did not finish")
        else:
            await asyncio.sleep(acc.poll)


async def linked_permissions(
    acc: ProcoreAccounts, team_id: str, slack_user_id: str, project_id: int
) -> PermissionSnapshot | None:
    """The linked user's rights from their own permission manifest (`source="linked"`), or
    None when they have not linked. Raises `ReconnectNeeded` when the link stopped working."""
    token = await user_tokens(acc, team_id, slack_user_id)
    if token is None:
        return None
    try:
        return await acc.reader.read_permissions_as_user(token, project_id)
    except TokenRefused:
        async with acc.db.transaction() as s:
            await accounts.delete(session=s, team_id=team_id, slack_user_id=slack_user_id)
        raise ReconnectNeeded("Procore refused the linked account's token") from None


# -- helpers -----------------------------------------------------------------------------------


async def _check_user(acc: ProcoreAccounts, tokens: UserTokens) -> ProcoreUser | ConnectRefused:
    try:
        user = await acc.reader.me(tokens.access_token)
    except (ProcoreForbidden, ProcoreNotFound):
        return _refused(NOT_IN_COMPANY, {"company": str(acc.reader.company_id)})
    except ProcoreError:
        return ConnectRefused(UNREACHABLE)
    if not user.is_active:
        return ConnectRefused(INACTIVE)
    return user


async def _slack_person(
    acc: ProcoreAccounts, slack_user_id: str
) -> SlackPerson | ConnectRefused | None:
    """The Slack user's name and email (None: Slack knows nobody by that id); SLACK_UNREADABLE
    when Slack could not be read."""
    try:
        return await acc.slack_person(slack_user_id)
    except Exception:
        log.exception("accounts.slack_unreadable", user=slack_user_id)
        return ConnectRefused(SLACK_UNREADABLE)


async def _same_person(
    acc: ProcoreAccounts, who: accounts.LinkRequest, user: ProcoreUser
) -> tuple[ProcoreUser, str] | ConnectRefused:
    """The Procore account signed in must be the Slack user's own (same email, compared
    case-insensitively) and linked to no other Slack user of the workspace."""
    person = await _slack_person(acc, who.slack_user_id)
    if isinstance(person, ConnectRefused):
        return person
    slack_name = person.name if person is not None else who.slack_user_id
    slack_email = (person.email or "") if person is not None else ""
    if not slack_email.strip() or slack_email.strip().casefold() != user.email.casefold():
        log.warning("accounts.wrong_person", user=who.slack_user_id, procore_user_id=user.id)
        return _wrong_person(who, user, slack_name, has_email=bool(slack_email.strip()))
    async with acc.db.session() as s:
        holder = await accounts.holder_of(session=s, team_id=who.team_id, procore_user_id=user.id)
    if holder is not None and holder != who.slack_user_id:
        log.warning("accounts.already_linked", user=who.slack_user_id, procore_user_id=user.id)
        return _taken(who, user, holder)
    return user, slack_name


def _wrong_person(
    who: accounts.LinkRequest, user: ProcoreUser, slack_name: str, *, has_email: bool
) -> ConnectRefused:
    values = {"slack_user": slack_name, "procore_user": user.name}
    return _refused(
        WRONG_PERSON if has_email else NO_EMAIL,
        values,
        who,
        notify="wrong_person" if has_email else "no_email",
        signed_in_as=user.name,
    )


def _taken(who: accounts.LinkRequest, user: ProcoreUser, holder: str | None) -> ConnectRefused:
    return _refused(
        TAKEN,
        {"procore_user": user.name},
        who,
        notify="taken",
        signed_in_as=user.name,
        holder=holder,
    )


async def _refresh(acc: ProcoreAccounts, account: LinkedAccount) -> str | None:
    """Spend the refresh token (the caller holds the claim); None if the row moved on."""
    team_id, slack_user_id = account.team_id, account.slack_user_id
    try:
        tokens = await acc.oauth.refresh(account.refresh_token)
    except GrantRefused:
        async with acc.db.transaction() as s:
            await accounts.delete(
                session=s, team_id=team_id, slack_user_id=slack_user_id, version=account.version
            )
        log.warning("accounts.refresh_refused", user=slack_user_id)
        raise ReconnectNeeded("Procore refused the refresh token") from None
    except ProcoreError:
        async with acc.db.transaction() as s:
            await accounts.release_refresh(
                session=s, team_id=team_id, slack_user_id=slack_user_id, version=account.version
            )
        raise
    async with acc.db.transaction() as s:
        stored = await accounts.rotate(
            session=s,
            cipher=acc.cipher,
            account=account,
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token,
            expires_at=tokens.expires_at,
        )
    if not stored:
        # the user reconnected or disconnected meanwhile: this pair is nobody's
        await _revoke_quietly(acc, tokens.access_token)
        return None
    return tokens.access_token


async def _load(acc: ProcoreAccounts, team_id: str, slack_user_id: str) -> LinkedAccount | None:
    try:
        return await _stored(acc, team_id, slack_user_id)
    except UnreadableAccount:
        # Never deleted: a wrong TOKEN_ENCRYPTION_KEY on this replica must not unlink everyone
        # (the right key reads the row again; `/cco connect` replaces it).
        log.error("accounts.unreadable", user=slack_user_id)
        raise ReconnectNeeded("the stored tokens cannot be decrypted") from None


async def _previous(acc: ProcoreAccounts, team_id: str, slack_user_id: str) -> LinkedAccount | None:
    try:
        return await _stored(acc, team_id, slack_user_id)
    except UnreadableAccount:
        return None


async def _stored(acc: ProcoreAccounts, team_id: str, slack_user_id: str) -> LinkedAccount | None:
    """The user's stored account (raises `UnreadableAccount` when its tokens cannot be read)."""
    async with acc.db.session() as s:
        return await accounts.load(
            session=s, cipher=acc.cipher, team_id=team_id, slack_user_id=slack_user_id
        )


async def _revoke_quietly(acc: ProcoreAccounts, token: str) -> bool:
    try:
        await acc.oauth.revoke(token)
    except ProcoreError as exc:
        log.warning("accounts.revoke_failed", error=str(exc))
        return False
    return True
