"""Requests in each reader's language, through signed Slack HTTP: the approver reads App Home and
the Deny form in their own Slack language, while the request message and the denial in the
card's thread follow the channel rule (the channel's `/cco language`, else the requester's)."""

from __future__ import annotations

from handlers.blocks.requests import DENY_ACTION, REASON_BLOCK, REASON_INPUT
from sandbox.slack.world import SlackMessage
from tests.e2e.rig import Rig, text_of
from tests.e2e.test_languages import channel_speaks
from tests.e2e.test_requests import ask, has_buttons, request_id


def speaks(rig: Rig, user: str, locale: str) -> None:
    rig.stack.slack.users[user].locale = locale


async def home_of(rig: Rig, user: str) -> str:
    await rig.sender.open_home(user)
    await rig.until(lambda: rig.stack.slack.views.home(user) is not None)
    home = rig.stack.slack.views.home(user)
    assert home is not None
    return "\n".join(str(block) for block in home.definition["blocks"])


async def deny(rig: Rig, card: SlackMessage, request: SlackMessage, user: str) -> SlackMessage:
    """`user` clicks Deny, reads the form, tries without a reason, then gives one."""
    await rig.sender.click(user, card.channel, request.ts, DENY_ACTION, request_id(request))
    await rig.until(lambda: bool(rig.stack.slack.views.modal_stack(user)))
    modal = rig.stack.slack.views.modal_stack(user)[-1]
    form = str(modal.definition)
    assert "Anfrage ablehnen" in form and "Begründung" in form and "Deny request" not in form
    empty = await rig.sender.submit_view(user, modal.id, {REASON_BLOCK: {REASON_INPUT: " "}})
    assert empty.json["errors"][REASON_BLOCK] == "Sagen Sie in wenigen Worten, warum."
    before = len(rig.replies(card))
    await rig.sender.submit_view(user, modal.id, {REASON_BLOCK: {REASON_INPUT: "Nein, danke"}})
    await rig.until(lambda: len(rig.replies(card)) > before)
    return rig.replies(card)[-1]


async def test_a_german_approver_reads_german_and_the_thread_the_requesters_french(
    rig: Rig,
) -> None:
    speaks(rig, "U0ANA", "de-DE")
    speaks(rig, "U0CHLOE", "fr-CA")
    await rig.link()
    card = await rig.card()
    request = await ask(rig, card, "002", "U0CHLOE", "Crédit fournisseur")
    asked = text_of(request)
    assert "demande à un approbateur de dissocier *ODCE #002" in asked  # no channel language
    assert "Peut transmettre à la comptabilité" in asked and "Approvers need" not in asked

    home = await home_of(rig, "U0ANA")
    assert "Anfragen, die Sie genehmigen können" in home and "Requests you can approve" not in home
    assert "Genehmigen und aufheben" in home and "Approve & unlink" not in home

    denial = await deny(rig, card, request, "U0ANA")
    said = text_of(denial)
    assert "<@U0ANA> a refusé la demande de <@U0CHLOE> de dissocier ODCE #002" in said
    assert "Nein, danke" in said
    await rig.until(lambda: not has_buttons(rig, request))
    closed = rig.stack.slack.message(card.channel, request.ts)
    assert closed is not None and "Refusée par <@U0ANA>" in text_of(closed)
    assert "Ihre Anfragen" in await home_of(rig, "U0ANA")
    assert rig.procore_writes() == 0


async def test_the_channels_language_wins_for_the_request_the_approver_keeps_theirs(
    rig: Rig,
) -> None:
    speaks(rig, "U0ANA", "de-DE")
    speaks(rig, "U0CHLOE", "fr-CA")
    await rig.link()
    delivery = await rig.command("language es-419")
    assert delivery.status == 200
    await channel_speaks(rig, "es-419")  # the setting is stored after the ack
    card = await rig.card()
    request = await ask(rig, card, "002", "U0CHLOE", "")
    assert "pide a un aprobador desvincular *OCC #002" in text_of(request)

    home = await home_of(rig, "U0ANA")
    assert "Anfragen, die Sie genehmigen können" in home

    denial = await deny(rig, card, request, "U0ANA")
    assert "<@U0ANA> rechazó la solicitud de <@U0CHLOE>" in text_of(denial)
    own = await home_of(rig, "U0CHLOE")  # the requester's own Home is in their language
    assert "*Vos demandes*" in own and "refusée" in own
