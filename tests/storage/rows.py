"""Rows the storage tests store: one unlink attempt of company 10, project 20, CCO #007."""

from __future__ import annotations

from storage.models import UnlinkAttempt


def new_attempt(reference: str, cco_id: int = 7, user: str = "U1") -> UnlinkAttempt:
    """An attempt (not stored) clicked by `user` on the card `1.0` of channel C1."""
    return UnlinkAttempt(
        reference=reference,
        team_id="T1",
        channel_id="C1",
        card_ts="1.0",
        company_id=10,
        project_id=20,
        cco_id=cco_id,
        cco_number="007",
        slack_user_id=user,
    )
