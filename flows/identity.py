"""Who a Slack user is in Procore: their Slack email, matched exactly to an active company user.

The one identification by email used by the unlink checks, `/cco status` and `/cco link`.
"""

from __future__ import annotations

from flows.outcomes import UnknownUser
from flows.services import Services
from procore.models import ProcoreUser


async def identify(svc: Services, slack_user_id: str) -> ProcoreUser | UnknownUser:
    """Slack `users.info` email -> Procore company user (exact, case-insensitive), active only."""
    email = await svc.directory.email_of(slack_user_id)
    if not email:
        return UnknownUser(None)
    user = await svc.procore.find_company_user(email)
    if user is None:
        return UnknownUser(email)
    if not user.is_active:
        return UnknownUser(email, inactive=True)
    return user
