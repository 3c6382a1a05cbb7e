"""The ERP sign-in starts alongside Procore's package read (issue 14, click to answer): the
click still refuses, writes nothing and leaves no ERP session open when either answer is bad."""

from __future__ import annotations

from sandbox.faults import FaultRule
from tests.e2e.rig import Rig, attachment_color, text_of

LOGIN = r"/entity/auth/login$"
LOGOUT = r"/entity/auth/logout$"
PACKAGE_READ = r"/rest/v1\.0/change_order_packages/\d+$"


async def test_a_refused_erp_login_refuses_even_though_the_package_was_read(rig: Rig) -> None:
    await rig.link()
    card = await rig.card()
    rig.stack.erp.faults.add(FaultRule(path=LOGIN, status=401, body={"message": "no"}))
    await rig.click_unlink(card, "002")  # reversed in Acumatica: would unlink
    reply = await rig.reply(card)
    await rig.settle()
    assert attachment_color(reply) == "danger"
    assert "Successfully unlinked" not in text_of(reply)
    assert rig.procore_writes() == 0
    assert rig.stack.procore.recorder.count("GET", PACKAGE_READ) == 1
    assert rig.stack.erp.recorder.count("POST", LOGOUT) == 0  # no session was opened


async def test_an_unreadable_package_refuses_and_the_early_erp_session_is_closed(rig: Rig) -> None:
    await rig.link()
    card = await rig.card()
    unreadable = FaultRule(path=PACKAGE_READ, method="GET", status=200, body="<html>")
    rig.stack.procore.faults.add(unreadable)
    await rig.click_unlink(card, "002")
    reply = await rig.reply(card)
    await rig.settle()
    assert attachment_color(reply) == "danger"
    assert "Procore" in text_of(reply) and "Successfully unlinked" not in text_of(reply)
    assert rig.procore_writes() == 0
    erp = rig.stack.erp.recorder
    assert erp.count("GET", r"/ChangeOrder$") == 0  # never asked without the package's key
    assert erp.count("POST", LOGIN) == 1
    await rig.until(lambda: erp.count("POST", LOGOUT) == 1)  # the early login is ended
