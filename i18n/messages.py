"""Source (en-US) messages the builders say, marked for `pybabel extract`, in one place until
each builder says its own inline (`t.gettext("…")` is extracted from the builders too).

Each constant is a msgid: `t.gettext(UNLINKED_TEXT, cco=…, erp=…)`. Placeholders are `{name}`;
every translation keeps exactly the same ones (a unit test holds them). Emoji are not part of
the messages: a builder puts one emoji before a headline. Values are escaped by the builder
(`handlers.blocks.kit.escape`) before they are passed.
"""

from __future__ import annotations

from i18n import N_, Nn_

# -- a CCO as people name it ----------------------------------------------------------------
CCO_LABEL = N_("CCO #{number}")
CCO_LABEL_TITLED = N_("CCO #{number} “{title}”")

# -- green: the unlink went through -----------------------------------------------------------
UNLINKED_HEADLINE = N_("*Successfully unlinked* {cco} from {erp}")
UNLINKED_TEXT = N_(
    "{cco} is no longer synced with {erp}. You can now edit or delete it in Procore."
)
UNLINKED_FOR_REQUESTER = N_("{requester} asked for this unlink and {approver} approved it.")
UNLINKED_BY = N_("Unlinked by {user}")

# -- red: the CCO is still in the ERP ---------------------------------------------------------
STILL_IN_ERP_HEADLINE = N_("*Still in {erp}* — {cco}")
#: `{button}` is the button to click again, in bold: *Unlink*, or *Approve & unlink* for an
#: approver (an approver is never told to click *Unlink*)
STILL_IN_ERP_TEXT = N_(
    "{fix}, then click {button} again. {cco} is still in {erp}{status}, so nothing was "
    "changed in Procore."
)
STILL_IN_ERP_STATUS = N_(" (status: {status})")

# -- the ERP-side fix, one per ERP (the English templates are `erp.*.INFO.fix_template`) ----
ERP_FIXES = (
    N_("Reverse change order {reference} in Acumatica (Change Orders, PM308000 → Reverse)"),
    N_("Delete change order {reference} in MYOB Advanced"),
    N_("Delete subcontract change order {reference} in CMiC"),
    N_("Delete or void subcontract change order {reference} in CMiC"),
    N_("Delete, reverse, void or cancel {reference} in the ERP"),
    N_("Delete contract change order {reference} in MRI"),
    N_("Cancel or delete Supplier Contract Amendment {reference} in Workday"),
    N_("Remove this CCO's lines from purchase order {reference} in Xero (or delete the PO)"),
    N_("Delete change order {reference} in Yardi Voyager"),
)

# -- buttons and the confirm dialog ---------------------------------------------------------
BUTTON_UNLINK = N_("Unlink")
BUTTON_REQUEST = N_("Request unlink")
BUTTON_APPROVE = N_("Approve & unlink")
BUTTON_DENY = N_("Deny")
BUTTON_CANCEL = N_("Cancel")

# -- red: a missing Procore permission (Procore's own names) ----------------------------------
NOT_ALLOWED_HEADLINE = N_("*You can't unlink {cco} yet*")
NOT_ALLOWED_TEXT = N_(
    "Procore requires Admin on Commitments, Standard or Admin on ERP Integrations, and Can "
    "Push to Accounting. You are missing:"
)
NOT_ALLOWED_ASK = N_("Click *Request unlink* to ask an approver instead.")
APPROVER_NOT_ALLOWED_TEXT = N_(
    "You can't approve {requester}'s request to unlink {cco}: Procore requires the approver "
    "to have all three permissions. You are missing:"
)
APPROVER_REQUEST_OPEN = N_("The request stays open for another approver.")
MISSING_COMMITMENTS = N_(
    "*Commitments*: you need Admin in “{project}” and have {level}. Ask an admin of "
    "“{project}” to give you Admin on Commitments."
)
MISSING_ERP_INTEGRATIONS = N_(
    "*ERP Integrations*: you need Standard or Admin for the company and have {level}. Ask a "
    "Procore company admin to raise it."
)
MISSING_CAN_PUSH = N_(
    "*Can Push to Accounting*: not enabled on your Procore account. Only Procore can enable "
    "it: ask your Procore admin to request it from Procore."
)
LEVEL_ADMIN = N_("Admin")
LEVEL_STANDARD = N_("Standard")
LEVEL_READ_ONLY = N_("Read Only")
LEVEL_NONE = N_("None")
LEVEL_ENABLED = N_("Enabled")
LEVEL_NOT_ENABLED = N_("Not enabled")
#: a Procore permission level without a name of its own
LEVEL_NUMBER = N_("level {number}")

# -- a system did not answer ------------------------------------------------------------------
UNREACHABLE_TEXT = N_("{system} could not be reached — nothing was changed.")
UNREADABLE_TEXT = N_(
    "{system} answered with something the app couldn't read — nothing was changed."
)
IF_IT_REPEATS = N_("If it happens again, give the reference below to your admin.")
RETRY_SOON = N_("Click {button} again in a minute.")
#: plural: `t.ngettext(*RETRY_IN, minutes, system=…, button=…)`
RETRY_IN = Nn_(
    "{system} asked the app to wait: click {button} again in about {count} minute.",
    "{system} asked the app to wait: click {button} again in about {count} minutes.",
)

# -- /cco language ------------------------------------------------------------------------------
LANGUAGE_SET = N_(
    "Messages everyone in this channel sees are now in {language}. Each person still reads "
    "their own answers in their Slack language."
)
LANGUAGE_CLEARED = N_(
    "This channel no longer has a language of its own: messages everyone sees are in {language}."
)
LANGUAGE_SHOWN = N_("Messages everyone in this channel sees are in {language}.")
LANGUAGE_CHOICES = N_("Languages: {choices}. Set one with `/cco language fr-CA`.")
LANGUAGE_NOT_ALLOWED = N_(
    "Only someone allowed to link this channel can set its language. Nothing was changed."
)
LANGUAGE_UNLINKED_CHANNEL = N_(
    "Link this channel to a Procore project first (`/cco link <procore project id>`), then "
    "set its language."
)

# -- the rest of the thread replies (handlers/blocks/replies.py) -------------------------------
# Optional parts are whole sentences the builder adds or leaves out; never half a sentence.
NOTHING_TO_UNLINK_HEADLINE = N_("*Nothing to unlink* — {cco}")
NOT_UNLINKED_HEADLINE = N_("*Not unlinked from {erp}* — {cco}")
STILL_SYNCED_HEADLINE = N_("*Still synced in Procore* — {cco}")
NOT_CONFIRMED_HEADLINE = N_("*Not confirmed by Procore* — {cco}")
NOTHING_CHANGED_HEADLINE = N_("*Nothing changed* — {cco}")
CLICKED_BY = N_("Clicked by {user}")
APPROVED_STILL_OPEN = N_(
    "Requested by {requester}, approved by {approver}. The request stays open, so it can be "
    "approved again once this is fixed."
)
NOT_SYNCED_BY_ERP = N_("CCOs aren't synced with {erp}, so there is nothing to unlink.")
NOT_ERP_INTEGRATED = N_(
    "A Procore admin can turn on ERP integration for *{project}* in Procore. Until then its "
    "CCOs are not synced with an ERP, so there is nothing to unlink. Nothing was changed."
)
NOT_COMMITMENT_CCO = N_(
    "{cco} belongs to a prime contract, or to no subcontract or purchase order the app can "
    "read, so the app does not unlink it. Nothing was changed."
)
ALREADY_UNLINKED = N_("{cco} is no longer synced with {erp}: it was already unlinked.")
ALREADY_UNLINKED_BY = N_("{user} unlinked it {when}.")
ALREADY_UNLINKED_AT = N_("It was unlinked {when}.")
ALREADY_UNLINKED_EDIT = N_("You can edit it in Procore. Nothing was changed.")
NOT_LINKED_REVOKED = N_(
    "Run `/cco connect` to link your Procore account again, then click again: Procore no "
    "longer accepts it (it was revoked or expired)."
)
NOT_LINKED_REQUIRED = N_(
    "Run `/cco connect` and sign in to Procore, then click again: this workspace requires you "
    "to link your own Procore account before you unlink or approve."
)
MISCONFIGURED = N_(
    "Ask whoever installed cco-bot to check its {system} settings: the app's connection needs "
    "attention. Nothing was changed."
)
PROCORE_REFUSED = N_("Procore refused to clear the sync link of {cco}. Nothing was changed.")
#: a click on a CCO Procore no longer has: nothing to unlink, not a refusal (said in blue)
GONE_HEADLINE = N_("*No longer in Procore* — {cco}")
CCO_GONE = N_(
    "{cco} is no longer in Procore (it was deleted, or the app can no longer see it), so there "
    "is nothing to unlink. Nothing was changed. Run `/cco unlink` for a fresh list."
)
INTERRUPTED = N_(
    "Click {button} again: the unlink was interrupted when the app restarted, before Procore "
    "was changed, so nothing was changed."
)
FAILED = N_(
    "Click {button} again. Something went wrong on our side while unlinking {cco}, and nothing "
    "was changed in Procore. If it happens again, give the reference below to your admin."
)
STILL_SYNCED = N_(
    "Ask a Procore admin to check {cco} in Procore's ERP Integrations tool, then click "
    "{button} again: Procore accepted the request but still shows it as synced. Nothing else "
    "was changed."
)
UNCONFIRMED = N_(
    "Check {cco} in Procore (or run `/cco unlink` for a fresh list) before you click again: "
    "Procore accepted the request, but the app could not read the CCO back to confirm it. "
    "Nothing else was changed."
)
PARENT_UNKNOWN = N_(
    "Ask whoever installed cco-bot to check {settings}: {cco} is not in {erp}, and {erp} "
    "doesn't know its commitment or project either, so the app may be pointed at the wrong "
    "company. Nothing was changed."
)
PARENT_UNKNOWN_BOTH = N_("{erp} doesn't know commitment {commitment} or project {project}.")
PARENT_UNKNOWN_COMMITMENT = N_("{erp} doesn't know commitment {commitment}.")
PARENT_UNKNOWN_PROJECT = N_("{erp} doesn't know project {project}.")
NO_EMAIL = N_(
    "Ask a Slack admin to make your email visible, then click {button} again: your Slack "
    "profile shows no email address, so the app can't find you in Procore."
)
INACTIVE_USER = N_(
    "Ask a Procore company admin to reactivate your Procore account: the one with the email in "
    "your Slack profile is inactive in the Company Directory."
)
UNKNOWN_USER = N_(
    "Ask a Procore company admin to add you to the Company Directory with the email in your "
    "Slack profile (sent to you privately), or use the email Procore has in Slack."
)
EMAIL_INACTIVE_NOTE = N_(
    "The email in your Slack profile, {email}, is inactive in Procore (only you see this)."
)
EMAIL_UNKNOWN_NOTE = N_(
    "The email in your Slack profile, {email}, matches no Procore user (only you see this)."
)
MYOB_REVERSED_NOTE = N_(
    "Procore's MYOB guidance says to delete the change order; it was reversed instead, which "
    "was accepted."
)
CMIC_VOIDED_NOTE = N_(
    "Procore's CMiC guidance says to delete the subcontract change order; it was voided "
    "instead, which this company accepts."
)
#: the ERP of the integration bridge, which has no name of its own
YOUR_ERP = N_("your ERP")
#: what the ERP showed when the unlink went through; `{state}` is one of `RECORD_STATES`
UNLINKED_EVIDENCE = N_("{erp} record {reference}: {state}")
RECORD_STATES = {
    "present": N_("still there"),
    "deleted": N_("deleted"),
    "reversed": N_("reversed"),
    "voided": N_("voided"),
    "canceled": N_("canceled"),
}

#: an attempt's outcome kind (`flows.outcomes`) as a short phrase, for card rows and
#: `/cco history`; `{erp}` is the ERP's name
OUTCOME_WORDS = {
    "unlinked": N_("unlinked"),
    "still_in_erp": N_("still in {erp}, so not unlinked"),
    "permission_denied": N_("missing Procore permissions"),
    "unknown_user": N_("not found as a Procore user"),
    "not_linked": N_("no linked Procore account"),
    "not_synced": N_("was already unlinked"),
    "cco_gone": N_("no longer in Procore"),
    "not_applicable": N_("{erp} does not sync CCOs"),
    "unreachable": N_("a system did not answer, nothing was changed"),
    "misconfigured": N_("the app's setup needs an administrator"),
    "erp_parent_unknown": N_(
        "{erp} doesn't know its commitment or project either, so nothing was changed (the "
        "app's {erp} settings may point at the wrong company)"
    ),
    "procore_refused": N_("Procore refused the change"),
    "not_erp_integrated": N_("the project is not ERP-integrated"),
    "not_commitment_cco": N_("not a commitment change order"),
    "unlink_unconfirmed": N_("Procore did not confirm the unlink"),
    "interrupted": N_("interrupted before any change"),
    "failed": N_("failed on our side, nothing was changed"),
}
OUTCOME_OTHER = N_("ended without an unlink")
OUTCOME_RUNNING = N_("in progress")

# -- the card (handlers/blocks/card.py) and its confirm dialog ----------------------------------
CARD_HEADER = N_("ERP-synced CCOs — {project}")
#: plural: `t.ngettext(*CARD_FALLBACK, total, project=…)`
CARD_FALLBACK = Nn_("{count} ERP-synced CCO in {project}", "{count} ERP-synced CCOs in {project}")
CARD_SYNCED = Nn_("{count} synced with *{erp}*", "{count} synced with *{erp}*")
CARD_DONE = Nn_(
    "{count} unlinked since this list was made", "{count} unlinked since this list was made"
)
CARD_MATCHING = N_("matching {query}")
CARD_PAGE = N_("page {page} of {pages}")
CARD_HINT = N_(
    "*Unlink* checks your Procore rights and the ERP first; without the rights, *Request "
    "unlink* asks an approver."
)
CARD_NOTHING = N_("No CCOs in *{project}* are synced with {erp}, so there is nothing to unlink.")
CARD_NOTHING_MATCHING = N_(
    "No CCOs in *{project}* matching {query} are synced with {erp}, so there is nothing to unlink."
)
CARD_ROW_TITLE = N_("CCO #{number} — {title}")
COMMITMENT_NOT_READABLE = N_("_commitment not readable_")
#: a card row's last attempt; `{when}` is a Slack date token, `{reason}` one of OUTCOME_WORDS
ROW_CHECKING = N_("checking… ({user})")
ROW_UNLINKED = N_("Unlinked by {user} {when}")
ROW_GONE = N_(
    "No longer in Procore: nothing left to do (found by {user} {when}, ref `{reference}`)"
)
ROW_ALREADY = N_("Already unlinked: nothing left to do (found by {user} {when}, ref `{reference}`)")
ROW_REFUSED = N_("Last try by {user} {when}: {reason} (ref `{reference}`)")
#: a card row whose CCO was changed in Procore itself since the card listed it (`{when}`: when)
ROW_UNLINKED_IN_PROCORE = N_("Unlinked in Procore {when}: nothing left to do here")
ROW_DELETED_IN_PROCORE = N_("Deleted in Procore {when}: nothing left to do here")
#: who clicked, when Slack named nobody
SOMEONE = N_("someone")
SYNCED_AT = N_("synced {when}")
CONFIRM_TITLE = N_("Unlink CCO #{number}?")
CONFIRM_TEXT = N_(
    "The app checks {erp} first. If the record is gone there, it clears the ERP sync link in "
    "Procore, so you can edit or delete the CCO."
)
BUTTON_PREVIOUS = N_("◀ Previous")
BUTTON_MORE = N_("More ▶")
REFERENCE = N_("ref `{reference}`")
CARD_NOT_CURRENT = N_("Run `/cco unlink` for a fresh list: this card is no longer current.")
CARD_BOT_NOT_IN_CHANNEL = N_(
    "Invite me with `/invite @cco-bot`, then run `/cco unlink` again: I'm not in this channel, "
    "so I can't post the list here."
)
#: `{code}` is Slack's error code, e.g. `msg_too_long`
CARD_REFUSED_BY_SLACK = N_("Slack refused the card (`{code}`), so nothing was changed.")

# -- short private notices (handlers/blocks/answers.py) -----------------------------------------
HELP_FALLBACK = N_("How to use /cco")
STALE_BUTTON = N_(
    "Run `/cco unlink` for a fresh list: this button doesn't belong to a current card or "
    "request, so nothing was done."
)
CHANNEL_NOT_LINKED = N_(
    "Run `/cco link <procore project id>` here first: this channel isn't linked to a Procore "
    "project yet. The id is the number in the project's Procore URL."
)
BUSY_RUNNING = N_(
    "An unlink of {cco} is already in progress. Its answer will appear in the card's thread."
)
BUSY_DONE = N_(
    "{cco} was already unlinked {when}. The answer is in the card's thread; nothing more was done."
)
BUSY_REFUSED = N_(
    "{cco} was just checked {when}, and it was not unlinked: the answer is in the card's "
    "thread. Nothing more was done; click *Unlink* again once its fix is made."
)
BUSY_BY = N_("{user} started it.")
