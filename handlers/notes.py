"""What only the clicker may read about their own click's answer, told privately (ephemeral)
next to the thread reply everyone in the channel sees, in the clicker's words (`t`)."""

from __future__ import annotations

from typing import Any

from flows.outcomes import UnknownUser
from flows.unlink import Finished
from handlers.blocks.answers import notice
from handlers.blocks.kit import escape
from i18n import Words
from i18n import messages as m


def private_note(t: Words, result: object) -> dict[str, Any] | None:
    """The clicker's email address when Procore matched no active user with it: the thread
    reply says so without the address (it is personal data; the channel is not the place)."""
    if not isinstance(result, Finished) or not isinstance(result.outcome, UnknownUser):
        return None
    email = result.outcome.email
    if email is None:
        return None
    said = m.EMAIL_INACTIVE_NOTE if result.outcome.inactive else m.EMAIL_UNKNOWN_NOTE
    return notice(t.gettext(said, email=escape(email)))
