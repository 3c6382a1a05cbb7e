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
UNLINKED_HEADLINE = N_("*Successfully unlinked* — {cco} from {erp}")
UNLINKED_TEXT = N_(
    "{cco} is no longer synced with {erp}. You can now edit or delete it in Procore."
)
UNLINKED_FOR_REQUESTER = N_("{requester} asked for this unlink and {approver} approved it.")
UNLINKED_BY = N_("Unlinked by {user}")

# -- red: the CCO is still in the ERP ---------------------------------------------------------
STILL_IN_ERP_HEADLINE = N_("*Still in {erp}* — {cco}")
STILL_IN_ERP_TEXT = N_(
    "{fix}, then click *Unlink* again. {cco} is still in {erp}{status}, so nothing was "
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

# -- a system did not answer ------------------------------------------------------------------
UNREACHABLE_TEXT = N_("{system} could not be reached, so nothing was changed.")
RETRY_SOON = N_("Click *Unlink* again in a minute.")
#: plural: `t.ngettext(*RETRY_IN, minutes, system=…)`
RETRY_IN = Nn_(
    "{system} asked the app to wait: click *Unlink* again in about {count} minute.",
    "{system} asked the app to wait: click *Unlink* again in about {count} minutes.",
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
