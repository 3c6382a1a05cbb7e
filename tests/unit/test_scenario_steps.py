"""The guided scenarios name the buttons a visitor actually sees in the app's dialogs."""

from __future__ import annotations

from handlers.blocks.requests import request_modal
from i18n import words_for
from sandbox.playground.scenarios import SCENARIOS


def _steps(key: str) -> list[str]:
    return [step.text for s in SCENARIOS if s.key == key for step in s.steps]


def test_request_steps_name_the_request_dialogs_own_button() -> None:
    send = request_modal(words_for("en-US"), {}, "CCO #003")["submit"]["text"]
    assert send == "Send request"
    for key in ("approve", "deny"):
        asking = [t for t in _steps(key) if t.startswith("Click Request unlink")]
        assert asking and all(send in t for t in asking), asking


def test_no_step_names_a_submit_button_the_app_does_not_have() -> None:
    said = [step.text for s in SCENARIOS for step in s.steps if "Submit" in step.text]
    assert not said, said
