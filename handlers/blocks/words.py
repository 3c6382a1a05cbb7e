"""Plain words for the app's internal names (outcome kinds, Procore errors), wherever a user
reads them: card rows, `/cco history` and error notices. No snake_case reaches Slack."""

from __future__ import annotations

from procore.errors import (
    ProcoreAuthError,
    ProcoreBadResponse,
    ProcoreError,
    ProcoreForbidden,
    ProcoreNotFound,
    ProcoreRejected,
    ProcoreUnreachable,
)

#: an attempt's outcome kind (`flows.outcomes`) as a short phrase; `{erp}` is the ERP
_OUTCOMES = {
    "unlinked": "unlinked",
    "still_in_erp": "still in {erp}, so not unlinked",
    "permission_denied": "missing Procore permissions",
    "unknown_user": "not found as a Procore user",
    "not_linked": "no linked Procore account",
    "not_synced": "was already unlinked",
    "cco_gone": "no longer in Procore",
    "not_applicable": "{erp} does not sync CCOs",
    "unreachable": "a system did not answer, nothing was changed",
    "misconfigured": "the app's setup needs an administrator",
    "erp_parent_unknown": (
        "{erp} doesn't know its commitment or project either, so nothing was changed"
        " (the app's {erp} settings may point at the wrong company)"
    ),
    "procore_refused": "Procore refused the change",
    "not_erp_integrated": "the project is not ERP-integrated",
    "not_commitment_cco": "not a commitment change order",
    "unlink_unconfirmed": "Procore did not confirm the unlink",
    "interrupted": "interrupted before any change",
    "failed": "failed on our side, nothing was changed",
}


def outcome_words(kind: str | None, erp_name: str = "the ERP") -> str:
    """What an attempt's outcome means, in words (`None`: the attempt is still running)."""
    if kind is None:
        return "in progress"
    return _OUTCOMES.get(kind, "ended without an unlink").format(erp=erp_name)


def procore_trouble(error: ProcoreError) -> str:
    """Why Procore could not be used, as a clause: "Procore did not answer in time"."""
    if isinstance(error, ProcoreBadResponse):
        return "Procore answered with something the app couldn't read"
    if isinstance(error, ProcoreUnreachable):
        return "Procore did not answer in time (it may be down or busy)"
    if isinstance(error, ProcoreAuthError):
        return "Procore did not accept the app's sign-in"
    if isinstance(error, ProcoreForbidden):
        return "Procore does not let the app's service account read this"
    if isinstance(error, ProcoreNotFound):
        return "Procore could not find what was asked for"
    if isinstance(error, ProcoreRejected):
        return "Procore turned the request down"
    return "Procore could not answer"
