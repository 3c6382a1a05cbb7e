"""What only the clicker may read about their own click's answer, told privately (ephemeral)
next to the thread reply everyone in the channel sees."""

from __future__ import annotations

from typing import Any

from flows.outcomes import UnknownUser
from flows.unlink import Finished
from handlers.blocks.answers import notice
from handlers.blocks.replies import email_notice


def private_note(result: object) -> dict[str, Any] | None:
    """The clicker's email address when Procore matched no active user with it: the thread
    reply says so without the address (it is personal data; the channel is not the place)."""
    if not isinstance(result, Finished) or not isinstance(result.outcome, UnknownUser):
        return None
    text = email_notice(result.outcome)
    return notice(text) if text else None
