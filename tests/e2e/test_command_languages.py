"""Slash commands answered in the asker's Slack language, end to end through signed Slack HTTP
(issue 13): each language's command words, `/cco status` with Procore's own terms, help and
did-you-mean answered in the ack, and the audit CSV's headers."""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import parse_qs, urlsplit

from i18n.pseudo import texts_of
from sandbox.slack.sender import Delivery
from tests.e2e.rig import TOWER_CHANNEL, Rig, text_of


def speaks(rig: Rig, user: str, locale: str) -> None:
    """The person's Slack language, as they set it in Slack's preferences."""
    rig.stack.slack.users[user].locale = locale


def shown(delivery: Delivery) -> str:
    """What Slack shows of a command's ack (its JSON body's texts)."""
    return " ".join(texts_of(json.loads(delivery.body)))


async def said_to(rig: Rig, user: str, words: str) -> str:
    def texts() -> list[str]:
        return [text_of(m) for m in rig.stack.slack.ephemerals_for(user)]

    await rig.until(lambda: any(words in text for text in texts()))
    return [text for text in texts() if words in text][-1]


async def test_a_french_reader_types_statut_and_aide_and_reads_french(rig: Rig) -> None:
    speaks(rig, "U0ANA", "fr-CA")
    await rig.link()

    await rig.command("statut")
    status = await said_to(rig, "U0ANA", "Vos permissions Procore sur *Tower A*")
    assert "*Engagements*" in status and "*Intégrations ERP*" in status
    assert "*Peut transmettre à la comptabilité*" in status
    assert "Vous pouvez dissocier des ODCE ici." in status
    assert "Commitments" not in status and "You " not in status

    # help is answered in the ack: in the language remembered from the lookup just made
    help_ = await rig.command("aide")
    assert help_.status == 200
    assert "`/cco dissocier [numéro ou mots]`" in shown(help_)
    assert "/cco unlink" not in shown(help_)
    usage = shown(await rig.command("dissocer"))
    assert "Vouliez-vous dire `/cco dissocier`" in usage
    assert "disconnect" not in usage and "déconnecter`?" not in usage


async def test_help_before_anyone_was_looked_up_is_in_the_default_language(rig: Rig) -> None:
    speaks(rig, "U0BEN", "de-DE")
    first = await rig.command("hilfe", user="U0BEN")  # no Slack call may come before the ack
    assert "`/cco link <procore project id>`" in shown(first)
    await rig.command("status", user="U0BEN")  # after its ack, users.info tells the locale
    await said_to(rig, "U0BEN", "Sie")
    again = await rig.command("hilfe", user="U0BEN")
    assert "`/cco verknüpfen <Procore-Projekt-ID>`" in shown(again)


async def test_an_english_reader_in_the_same_channel_still_reads_english(rig: Rig) -> None:
    speaks(rig, "U0ANA", "fr-CA")
    await rig.link()
    await rig.command("statut")
    await said_to(rig, "U0ANA", "Vos permissions Procore")
    await rig.command("status", user="U0BEN")
    shown = await said_to(rig, "U0BEN", "Your Procore permissions on *Tower A*")
    assert "*Commitments*" in shown


async def test_a_spanish_approvers_history_and_csv_are_in_spanish(rig: Rig) -> None:
    speaks(rig, "U0ANA", "es-419")
    await rig.link()
    await rig.command("historial")
    shown = await said_to(rig, "U0ANA", "Últimos intentos de desvinculación")
    message = [m for m in rig.stack.slack.ephemerals_for("U0ANA") if text_of(m) == shown][-1]
    button = next(e for b in message.blocks if b["type"] == "actions" for e in b["elements"])
    assert button["text"]["text"] == "Descargar la auditoría completa (CSV)"
    assert parse_qs(urlsplit(button["url"]).query)["lang"] == ["es-419"]

    answer = await rig.http.get(button["url"])
    assert answer.status_code == 200
    rows = list(csv.reader(io.StringIO(answer.text)))
    assert rows[0] == [
        "fecha",
        "referencia",
        "evento",
        "resultado",
        "id_usuario_slack",
        "id_occ",
        "número_occ",
        "detalle",
    ]
    assert any(row[2] == "channel_linked" for row in rows[1:])  # the data itself is not translated


async def test_no_ccos_matching_is_told_to_the_asker_alone_in_their_words(rig: Rig) -> None:
    speaks(rig, "U0ANA", "fr-CA")
    await rig.link()
    before = len(rig.stack.slack.channel_messages(TOWER_CHANNEL))
    await rig.command("dissocier zzqx")
    said = await said_to(rig, "U0ANA", "Aucun ODCE de *Tower A* correspondant à")
    assert "zzqx" in said and "rien à dissocier" in said
    await rig.command("unlink zzqx", user="U0BEN")
    assert "No CCOs in *Tower A* matching" in await said_to(rig, "U0BEN", "No CCOs in")
    assert len(rig.stack.slack.channel_messages(TOWER_CHANNEL)) == before  # nothing posted
    assert rig.cards() == []
