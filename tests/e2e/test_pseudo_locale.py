"""Issue 13's Done-when: "a pseudo-locale run shows no untranslated text anywhere in what the app
posts". Every person's Slack language is the pseudo-locale (`en-XA`, every catalog message
accented and bracketed ⟦…⟧), and so is the channel's; a script of actions covers what the app
posts or shows — /cco help, usage and did-you-mean, link, language, status, connect, history, the
card and its page turns, Unlink clicks green and red (still in the ERP, a missing permission, a
person Procore doesn't know, Procore down, the bot removed from the channel), request → approve
and request → deny with their modals, and App Home. Every payload the Slack stand-in received
(chat.postMessage/update/postEphemeral, views.open/update/push/publish, response_url posts),
every message it shows (the acknowledgements included) and every form error the app answered is
read as a person reads it (`i18n.pseudo.texts_of`), and no English may be left outside the
brackets, except the values the app passes through: names, titles, numbers, the ERP's name and
record ids."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import html
import json
import re
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest

from handlers.blocks.card import PAGE_ACTION
from handlers.blocks.requests import APPROVE_ACTION, DENY_ACTION, REASON_BLOCK, REASON_INPUT
from i18n import PSEUDO
from i18n.pseudo import texts_of, untranslated
from sandbox import demo
from sandbox.faults import FaultRule
from sandbox.playground.outages import apply_mode
from sandbox.slack.sender import Delivery
from sandbox.slack.world import SlackMessage
from storage import links
from storage.accounts import TokenCipher
from tests.e2e.rig import TOWER_A, TOWER_CHANNEL, Rig, start_rig, stop_rig
from tests.e2e.test_requests import ask, request_id

CAMPUS_C, CAMPUS_CHANNEL, HARBOR_CHANNEL = 303, "C0CAMPUSC", "C0HARBORB"
#: what a person types (no English in it, so it can't hide a leftover)
REASON, DENIAL = "Ŕéåšöñ ŵîŧĥ ñö Éñĝļîšĥ", "Ðéñîåļ ŕéåšöñ"
#: the Slack Web API methods that carry what people read
POSTING = re.compile(
    r"/api/(chat\.(postMessage|update|postEphemeral)|views\.(open|update|push|publish))$"
)
#: data the app shows as it is: references, record and document numbers, ids, codes, emails
DATA = re.compile(
    r"\b[RQ]-[0-9A-Z]{4,}\b|\bCO\d+\b|\b(SC|PO)-\d+\b|\bPM\d+\b|\bU0[A-Z]+\b|\bC0[A-Z]+\b"
    r"|\b[\w.+-]+@[\w.-]+\b|https?://\S+|\bTOWERA\b|\bHARBORB\b|\bCAMPUSC\b"
)


@dataclass
class Sweep:
    """What the app answered outside the Slack stand-in's records: form errors, ack bodies."""

    answers: list[tuple[str, Any]] = field(default_factory=list)

    def keep(self, what: str, delivery: Delivery) -> Delivery:
        if delivery.json:
            self.answers.append((f"answer to {what}", delivery.json))
        return delivery


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    started = await start_rig("sqlite", tmp_path, token_encryption_key=TokenCipher.new_key())
    try:
        yield started
    finally:
        await stop_rig(started)


def passed_through() -> list[str]:
    """The values the app shows as they are, longest first (so a title goes before its words)."""
    values = {"Acumatica"}
    values |= {f"{p.name} ({p.id})" for p in demo.PROJECTS} | {p.name for p in demo.PROJECTS}
    for project in demo.PROJECTS:
        values |= {c.title for c in project.ccos}
        values |= {c.title for c in project.commitments} | {c.vendor for c in project.commitments}
    values |= {p.name for p in demo.PEOPLE} | {p.name.split()[0] for p in demo.PEOPLE}
    values |= {p.title for p in demo.PEOPLE} | {demo.COMPANY_NAME}
    escaped = {v.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") for v in values}
    return sorted(values | escaped, key=len, reverse=True)


def leftovers(text: str, values: Iterable[str]) -> list[str]:
    """English words outside the pseudo brackets once the passed-through values are taken out."""
    for value in values:
        text = text.replace(value, " ")
    return untranslated(DATA.sub(" ", text))


def recorded(rig: Rig) -> list[tuple[str, Any]]:
    """The payloads the Slack stand-in received that carry text people read."""
    found: list[tuple[str, Any]] = []
    for request in rig.stack.slack.recorder.requests:
        if request.method != "POST":
            continue
        if POSTING.search(request.path) or request.path.startswith("/response/"):
            found.append((request.path.rsplit("/", 1)[-1], _body(request.body)))
    return found


def _body(raw: bytes) -> Any:
    """A Web API body as sent: JSON, or a form whose JSON-valued fields are decoded."""
    try:
        return json.loads(raw or b"null")
    except ValueError:
        form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        for key in ("blocks", "attachments", "view"):
            if key in form:
                form[key] = json.loads(form[key])
        return form


def shown(rig: Rig) -> list[tuple[str, Any]]:
    """Every message the stand-in shows (each earlier version too) and every view it holds."""
    found: list[tuple[str, Any]] = []
    for message in rig.stack.slack.messages:
        if message.user != rig.stack.slack.bot_user_id:
            continue
        where = f"message in {message.channel}" + (" (ephemeral)" if message.ephemeral_to else "")
        found.append((where, rig.stack.slack.message_json(message)))
        found += [(f"{where}, earlier version", vars(v)) for v in message.versions]
    found += [(f"view {v.id}", v.definition) for v in rig.stack.slack.views.all()]
    return found


def untranslated_texts(payloads: list[tuple[str, Any]]) -> dict[str, tuple[str, list[str]]]:
    """Each text with English left in it: where it was seen and the words left."""
    values = passed_through()
    left: dict[str, tuple[str, list[str]]] = {}
    for where, payload in payloads:
        for text in texts_of(_readable(payload)):
            words = leftovers(text, values)
            if words and text not in left:
                left[text] = (where, words)
    return left


def _readable(payload: Any) -> Any:
    """The payload without what nobody reads (message metadata, the channel id, …); a form's
    errors (`response_action: errors`) are read under their fields."""
    if isinstance(payload, dict) and isinstance(payload.get("errors"), dict):
        return [{"text": str(error)} for error in payload["errors"].values()]
    if isinstance(payload, dict):
        return {k: _readable(v) for k, v in payload.items() if k not in ("metadata", "channel")}
    if isinstance(payload, list):
        return [_readable(item) for item in payload]
    return payload


# -- the script ----------------------------------------------------------------------------------


async def speak_pseudo(rig: Rig) -> None:
    """Every person's Slack language is the pseudo-locale, and the app has read it (as a first
    click would: `users.info` with `include_locale=true`), so even acknowledgements use it."""
    team = rig.stack.slack.team_id
    for user in rig.stack.slack.users.values():
        user.locale = PSEUDO
        if not user.is_bot:
            await rig.runtime.services.directory.locale_of(team, user.id)


async def channel_language(rig: Rig, channel: str, locale: str) -> None:
    for _ in range(200):
        async with rig.runtime.db.session() as s:
            link = await links.get_channel_link(
                session=s, team_id=rig.stack.slack.team_id, channel_id=channel
            )
        if link is not None and link.locale == locale:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{channel}'s language never became {locale}")


async def answered(
    rig: Rig, sweep: Sweep, text: str, user: str = "U0ANA", channel: str = TOWER_CHANNEL
) -> None:
    """A slash command, and a moment for what the app posts after its acknowledgement."""
    before = len(rig.stack.slack.recorder.requests)
    delivery = await rig.command(text, user=user, channel=channel)
    sweep.keep(f"/cco {text}", delivery)
    assert delivery.status == 200, delivery.body
    await rig.settle()
    with contextlib.suppress(AssertionError):  # or answered in the acknowledgement alone
        await rig.until(lambda: len(rig.stack.slack.recorder.requests) > before, limit=1.5)
    await rig.settle()


async def commands(rig: Rig, sweep: Sweep) -> None:
    for text in ("help", "", "unlnik", "frobnicate", "language", "status", "connect"):
        await answered(rig, sweep, text)
    for text in ("disconnect", "history", "unlink zzzz-nothing", "unlink 004", "link 999999"):
        await answered(rig, sweep, text)
    await answered(rig, sweep, f"link {TOWER_A}", user="U0DAN")  # not in Procore: refused
    await answered(rig, sweep, "status", user="U0DAN")
    await answered(rig, sweep, "language xx-nowhere")
    await answered(rig, sweep, "language default", user="U0DAN")  # may not: refused
    for text in ("unlink", "history", "status", "language"):  # a channel not linked yet
        await answered(rig, sweep, text, channel=HARBOR_CHANNEL)


async def campus_page_turn(rig: Rig, sweep: Sweep) -> None:
    await rig.link(CAMPUS_C, CAMPUS_CHANNEL)
    await rig.command(f"language {PSEUDO}", channel=CAMPUS_CHANNEL)
    await channel_language(rig, CAMPUS_CHANNEL, PSEUDO)
    card = await rig.card(channel=CAMPUS_CHANNEL)
    pager = next(b for b in card.blocks if b.get("block_id") == "cco_pager")
    more = pager["elements"][-1]
    for action, value in ((more["action_id"], more["value"]), (f"{PAGE_ACTION}_prev", "1")):
        version = len(card.versions)
        turned = await rig.sender.click("U0ANA", CAMPUS_CHANNEL, card.ts, action, value)
        sweep.keep("a page turn", turned)
        await rig.until(lambda v=version: len(card.versions) > v)
    await answered(rig, sweep, "link 202", channel=CAMPUS_CHANNEL)  # the link moves


async def unlink_clicks(rig: Rig, card: SlackMessage, sweep: Sweep) -> None:
    clicks = [("002", "U0ANA"), ("001", "U0ANA"), ("003", "U0CHLOE"), ("005", "U0DAN")]
    clicks += [("005", "U0EVE")]  # no email in Slack
    for number, user in clicks:
        before = len(rig.replies(card))
        sweep.keep(f"Unlink #{number}", await rig.click_unlink(card, number, user=user))
        await rig.settle()
        await rig.until(lambda b=before: len(rig.replies(card)) > b, limit=5)


async def request_approve_deny(rig: Rig, card: SlackMessage, sweep: Sweep) -> None:
    approved = await ask(rig, card, "003", "U0CHLOE", REASON)  # deleted in the ERP: green
    rid = request_id(approved)
    await homes(rig, sweep)  # Ana's Home lists the request waiting for her
    home = rig.stack.slack.views.home("U0ANA")
    assert home is not None
    old = copy.deepcopy(home.definition)
    before = len(rig.replies(card))
    approve = await rig.sender.click("U0ANA", card.channel, approved.ts, APPROVE_ACTION, rid)
    sweep.keep("Approve", approve)
    await rig.until(lambda: len(rig.replies(card)) > before)
    await rig.settle()
    home.definition = old  # Ana's client still shows the Home as it was: a second Approve
    dms = len(direct_messages(rig, "U0ANA"))
    again = await rig.sender.click_in_view("U0ANA", home.id, APPROVE_ACTION, rid)
    sweep.keep("Approve on an old Home", again)
    await rig.until(lambda: len(direct_messages(rig, "U0ANA")) > dms)
    await deny(rig, card, sweep)


async def deny(rig: Rig, card: SlackMessage, sweep: Sweep) -> None:
    denied = await ask(rig, card, "005", "U0CHLOE", REASON)
    await rig.sender.click("U0ANA", card.channel, denied.ts, DENY_ACTION, request_id(denied))
    await rig.until(lambda: bool(rig.stack.slack.views.modal_stack("U0ANA")))
    form = rig.stack.slack.views.modal_stack("U0ANA")[-1]
    empty = {REASON_BLOCK: {REASON_INPUT: " "}}
    sweep.keep("Deny, no reason", await rig.sender.submit_view("U0ANA", form.id, empty))
    given = {REASON_BLOCK: {REASON_INPUT: DENIAL}}
    sweep.keep("Deny", await rig.sender.submit_view("U0ANA", form.id, given))
    await rig.settle()
    for reference in sorted(set(re.findall(r"\b[RQ]-[0-9A-Z]{4,}\b", str(card.versions)))):
        await answered(rig, sweep, f"history {reference}")
    for reply in rig.replies(card)[:3]:
        for reference in re.findall(r"\b[RQ]-[0-9A-Z]{4,}\b", json.dumps(reply.attachments)):
            await answered(rig, sweep, f"history {reference}")


def direct_messages(rig: Rig, user: str) -> list[SlackMessage]:
    return rig.stack.slack.channel_messages(rig.stack.slack.dm_channel(user).id)


async def homes(rig: Rig, sweep: Sweep) -> None:
    for user in ("U0ANA", "U0CHLOE", "U0DAN"):
        sweep.keep(f"Home of {user}", await rig.sender.open_home(user))
        await rig.until(lambda u=user: rig.stack.slack.views.home(u) is not None)


async def outages(rig: Rig, card: SlackMessage, sweep: Sweep) -> None:
    """Procore down, the ERP down; then two clicks at once on one CCO (the second is busy)."""
    for faults, system in ((rig.stack.procore.faults, "procore"), (rig.stack.erp.faults, "erp")):
        apply_mode(faults, system, "down")
        before = len(rig.replies(card))
        sweep.keep(f"Unlink, {system} down", await rig.click_unlink(card, "006", user="U0ANA"))
        await rig.settle()
        await rig.until(lambda b=before: len(rig.replies(card)) > b, limit=10)
        if system == "procore":
            await answered(rig, sweep, "status")
        apply_mode(faults, system, "normal")
    rig.stack.procore.faults.latency = 0.5
    both = [rig.click_unlink(card, "001", user=user) for user in ("U0ANA", "U0ANA")]
    for delivery in await asyncio.gather(*both):
        sweep.keep("Unlink twice at once", delivery)
    await rig.settle()
    rig.stack.procore.faults.latency = 0.0


def posted_to(rig: Rig, channel: str) -> int:
    """How many chat.postMessage calls went to `channel` (a user id: the app's DM to them)."""
    calls = rig.stack.slack.recorder.matching("POST", r"/api/chat\.postMessage$")
    return sum(1 for call in calls if _body(call.body).get("channel") == channel)


async def bot_left_the_channel(rig: Rig, card: SlackMessage, sweep: Sweep) -> None:
    """The bot is removed from the channel: the answer goes through the click's response_url
    with a hint to invite it back, and once that URL is spent, to the clicker by DM."""
    slack = rig.stack.slack
    slack.channels[card.channel].members.discard(slack.bot_user_id)
    through_url = slack.recorder.count("POST", r"^/response/")
    sweep.keep("Unlink, bot not in the channel", await rig.click_unlink(card, "006"))
    await rig.until(lambda: slack.recorder.count("POST", r"^/response/") > through_url)
    slack.faults.add(FaultRule(path=r"^/response/", method="POST", status=404, body="used_url"))
    dms = posted_to(rig, "U0ANA")
    sweep.keep("Unlink, URL spent too", await rig.click_unlink(card, "001"))
    await rig.until(lambda: posted_to(rig, "U0ANA") > dms)
    await rig.settle()


async def test_everything_the_app_posts_reads_in_the_pseudo_locale(rig: Rig) -> None:
    sweep = Sweep()
    await speak_pseudo(rig)
    await rig.link()
    await answered(rig, sweep, f"language {PSEUDO}")
    await channel_language(rig, TOWER_CHANNEL, PSEUDO)
    await commands(rig, sweep)
    card = await rig.card()
    await unlink_clicks(rig, card, sweep)
    await request_approve_deny(rig, card, sweep)
    await homes(rig, sweep)
    await answered(rig, sweep, "history")
    await outages(rig, card, sweep)
    await campus_page_turn(rig, sweep)
    await bot_left_the_channel(rig, card, sweep)

    payloads = recorded(rig) + shown(rig) + sweep.answers
    assert len(payloads) > 40, "the script reached too little of the app"
    left = untranslated_texts(payloads)
    report = [f"{where}: {words} in {text!r}" for text, (where, words) in left.items()]
    assert left == {}, "\n".join(report)


def links_shown(rig: Rig) -> list[str]:
    """The URLs of the link buttons the app's messages carry."""
    return re.findall(r"'url': '([^']+)'", str([m.blocks for m in rig.stack.slack.messages]))


async def test_the_oauth_page_and_the_audit_csv_read_in_the_pseudo_locale(rig: Rig) -> None:
    """Not Slack payloads, but what the same people read: the page `/cco connect` opens and the
    audit CSV's column headers (`/cco history`, for approvers)."""
    sweep = Sweep()
    await speak_pseudo(rig)
    await rig.link()
    await answered(rig, sweep, "connect")
    await answered(rig, sweep, "history")
    pages: list[tuple[str, Any]] = []
    for url in links_shown(rig):
        answer = await rig.http.get(url)
        assert answer.status_code == 200, url
        if answer.headers["content-type"].startswith("text/csv"):
            pages.append(("audit CSV headers", {"text": answer.text.splitlines()[0]}))
        else:
            text = html.unescape(re.sub(r"<[^>]+>", "\n", answer.text))
            pages += [("connect page", {"text": line}) for line in text.splitlines() if line]
    assert {where for where, _ in pages} == {"audit CSV headers", "connect page"}
    left = untranslated_texts(pages)
    assert left == {}, left


def test_the_sweep_finds_english_outside_the_catalog_and_not_in_values() -> None:
    """The check itself: a raw English string is found, a value the app passes through is not."""
    raw = {"blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Unlinked by you"}}]}
    value = {"text": "⟦Ûñļîñķéð⟧ *Drywall board upgrade* · Acme Drywall · `R-7K2QF9XA` CO000101"}
    found = untranslated_texts([("raw", raw), ("value", value)])
    assert found == {"Unlinked by you": ("raw", ["Unlinked", "by", "you"])}
