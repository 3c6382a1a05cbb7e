"""Everything the Procore stand-in does that Procore's public documentation does not say.

The stand-in (`sandbox.procore.app`, `sandbox.procore.wire`) otherwise answers only fields and
behaviour found in Procore's public OpenAPI endpoint details (../shared/specs/procore) and its
developer documentation (procore/documentation: `erp_integration/erp_technical_guide.md`,
`erp_integration/erp_events_dictionary.md`, `tutorials/using_sync_actions.md`). Each constant
below is a guess a real tenant must confirm before the app is trusted with it; nothing else in the
stand-in may invent a field or a behaviour.
"""

from __future__ import annotations

# -- paging ---------------------------------------------------------------------------------------
#: v1 default page size: Procore documents none ("default and maximum vary by endpoint").
DEFAULT_PER_PAGE = 100
#: hard maximum stated by Procore's pagination guide until 2025 (now only "keep it under 2,000").
MAX_PER_PAGE = 10_000

# -- the ERP External Data sync (the unlink's one write) ------------------------------------------
#: The path is the one the ERP technical guide and events dictionary name; its reference page is
#: gated. The guide's examples send the body either as a bare array or as `{"updates": [...]}`;
#: the stand-in accepts both. The answer `{"entities": [...], "errors": [...]}` (HTTP 200 even
#: when an item fails) follows the public sync-action convention; the entity fields, the error
#: item (`{...update, "errors": {field: [message]}}`) and its messages are assumed.
SYNC_PATH = "/rest/v1.0/companies/{company_id:\\d+}/external_data/sync"
#: the External Data item types the stand-in models (the guide lists many more): a CCO is a
#: `change_order`, each of its lines a `line_item`.
SYNC_ITEM_TYPES = frozenset({"change_order", "line_item"})
#: the public sync-action limit (1,000 items per call), assumed to hold for External Data too.
SYNC_MAX_UPDATES = 1000

# -- fields the public schemas do not show --------------------------------------------------------
#: A change order package's `line_items[]` carry `origin_id` (the ERP's key of each line). The
#: public schema of `GET /change_order_packages/{id}` lists `line_items[].id` but no `origin_id`;
#: the events dictionary has integrators set one per line, so the stand-in shows it. The app reads
#: it when present and never needs it to decide.
LINE_ITEM_ORIGIN_ID_SHOWN = True

# -- users, permission manifest -------------------------------------------------------------------
#: Company and project user lists return active users only (inactive users have their own
#: documented `/users/inactive` endpoints).
ACTIVE_USERS_ONLY = True
#: The manifest's access-level names come from Procore's examples (4 Admin, 3 Standard, 2 Read
#: Only); how "None" is shown is undocumented - the stand-in lists the tool with level
#: {"id": 0, "name": "None"} and `available_for_user: false`.
ACCESS_LEVEL_NAMES = {4: "Admin", 3: "Standard", 2: "Read Only", 0: "None"}
#: Manifest tool `name`s are internal; the friendly names are the UI's.
FRIENDLY_TOOL_NAMES = {"commitments": "Commitments", "erp_integrations": "ERP Integrations"}

# -- the app's own service account -----------------------------------------------------------
#: Procore documents that installing a Developer Managed Service Account app creates a Directory
#: record for it, on which the ERP guide has the admin enable `Can Push To Accounting` and set
#: ERP Integrations to Admin in its Company Permissions Template. That `GET /companies/{id}/me`
#: with the app's client-credentials token answers that Directory record is assumed (the public
#: docs only say `me` is "the current Company User").
SERVICE_ACCOUNT_IS_ME = True
#: `GET /companies/{id}/permission_templates` `filters[type]` -> the world's template types it
#: lists. Procore documents the filter values (default `project_tools`) and the items' `type`
#: enum (project_specific | company_tools | global); which items each filter returns is assumed.
TEMPLATE_LIST_TYPES = {
    "project_tools": frozenset({"project"}),
    "global": frozenset({"project"}),
    "company_tools": frozenset({"company_tools"}),
}

# -- error bodies ---------------------------------------------------------------------------------
#: Error bodies vary by endpoint in Procore; these follow shapes seen in its OpenAPI models.
MSG_MISSING_COMPANY = "Missing Procore-Company-Id header!"
MSG_NOT_CONNECTED = "App is not connected to this company"
MSG_TOKEN_INVALID = "The access token is invalid"
MSG_RATE_LIMITED = " ".join(
    (
        "You have surpassed the max number of requests for an hour.",
        "Please wait until your limit resets.",
    )
)
MSG_NO_CONTRACT = "Specified Contract does not exists or User does not have access to it"
#: A user's token is refused on another company's data; an app token has no user for
#: `/settings/permissions` (nor for `/companies/{id}/me` when the client has no service account).
MSG_NOT_IN_COMPANY = "User does not have access to this company"
MSG_NEEDS_USER = "This endpoint needs a user's access token"

# -- webhooks -------------------------------------------------------------------------------------
#: The Webhooks API's documented parts: the Create Hook / Create Trigger bodies and answers
#: (endpoint details), List Hooks by `namespace` (webhooks guide), List Deliveries with
#: `filter[status]` any|successful|discarded|failing and its attributes, the v2.0 event object,
#: the 5 s timeout, the 1 s -> 1 h exponential backoff and the 12 h discard. Assumed:
#: a hook's `Authorization` header is answered masked with `*` but for its last MASK_SHOWN
#: characters (the schema says "masked to only show the last 5 characters");
MASK_SHOWN = 5
#: List Hooks / List Triggers / List Deliveries answer paged arrays of the Create answers' objects;
#: a Delete answers 204 with no body, 404 when the hook or trigger is not there; Delete Hook by id
#: does not check the namespace (the id names it); a hook's triggers go with it;
#: two identical triggers on one hook are both kept (nothing documents a uniqueness rule);
#: a namespace is lowercase a-z, digits and dashes (the newer guide; the older says a-z and
#: dashes), "procore" when none is given;
WEBHOOK_NAMESPACE = r"[a-z0-9-]+"
DEFAULT_NAMESPACE = "procore"
#: the project-level resources the stand-in lets a trigger name (its package events are the
#: only ones it sends); Procore's list is per company (`GET /webhooks/resources`)
WEBHOOK_RESOURCES = frozenset(
    {"Change Order Packages", "Purchase Order Contracts", "Work Order Contracts"}
)
#: deliveries to one hook run WebhookSettings.concurrency at a time (Procore says nothing of
#: order or concurrency, only that events may repeat); each attempt is one delivery record,
#: `outcome` "retried" when another attempt follows, "discarded" after discard_after_seconds;
#: `filter[status]` successful = ok, failing = retried, discarded = discarded.
DELIVERY_STATUS_OUTCOMES = {
    "any": frozenset({"ok", "retried", "discarded"}),
    "successful": frozenset({"ok"}),
    "failing": frozenset({"retried"}),
    "discarded": frozenset({"discarded"}),
}

#: `GET /rest/v1.0/webhooks/resources?project_id=` answers one item per resource a trigger may
#: name, with the fields research/procore_api.md §8 lists (`api_version`, `product_category`,
#: `tools`, `except[]`, `create`, `update`, `delete`). Assumed - confirm on a real tenant: the
#: resource's name is the item's `name` (the list of fields names none), `tools` lists it too,
#: `except` the event types it does not send.
RESOURCE_ITEM_NAME_FIELD = "name"

# -- what fires a package event, and what an event says (not in Procore's public docs) ----------
#: (a) MUST CONFIRM ON A REAL TENANT - the alerts rest on it. An External Data sync (or unsync)
#: of a package's `origin_id` fires a Change Order Packages `update` event. Procore's own
#: material does not name a CCO webhook resource at all (research/procore_api.md §8); a
#: third-party dump of a sandbox's resource list shows "Change Order Packages" create / update /
#: delete. `cco-bot doctor` checks the precondition live: that resource is in the project's
#: `GET /rest/v1.0/webhooks/resources`. Whether a sync then fires `update` it cannot check.
SYNC_FIRES_PACKAGE_UPDATE = True
#: (b) MUST CONFIRM ON A REAL TENANT. `GET /change_order_packages/{id}` of a deleted package
#: answers 404, although the show schema has `deleted_at`; the list shows it only with
#: `filters[include_deleted]` (documented). A 404 also means "no read access", so the app
#: counts a package deleted only when the list (`filters[id]`, `filters[include_deleted]=with`)
#: shows it with `deleted_at`.
DELETED_PACKAGE_SHOW_IS_404 = True
#: (c) Assumption - confirm on a real tenant: each hook watching the project gets its own copy
#: of an event, with its own `ulid` and `id` (so two hooks' copies are two events to the app).
EVENT_COPY_PER_HOOK_OWN_IDS = True
#: (d) Assumption - confirm on a real tenant: an event of an ERP sync carries as `user_id` and
#: `metadata.source_user_id` the user whose token made the sync call (the app's service account
#: for a client-credentials token), as `metadata.source_application_id` the app's client id, and
#: `metadata.source_operation_id` null.
SYNC_EVENT_ACTOR = "the token's user, else the service account; application = client id"
#: (e) Assumption - confirm on a real tenant: a sync of line items only (`line_item`) bumps the
#: package's `updated_at` but fires no event (the reconciliation's `filters[updated_at]` sees it).
LINE_ITEM_SYNC_FIRES_NO_EVENT = True

# -- list filters ---------------------------------------------------------------------------------
#: `filters[updated_at]` (and Procore's other ISO 8601 range filters) take `start...end`; Procore
#: does not say whether the ends are included: the stand-in includes both, a date ending a range
#: counting to the end of that day. (Deleting a package sets its `updated_at` too, so a
#: reconciliation reading `filters[updated_at]` with `filters[include_deleted]=with` sees it.)
ISO_RANGE_ENDS_INCLUSIVE = True

# -- switches for tests (behaviour Procore does not document, modelled on purpose) ----------------
#: (f) `WebhookSettings.duplicate_deliveries`: every event is sent twice (Procore says events may
#: repeat, not how often). `WebhookSettings.reorder_deliveries`: events are held
#: `reorder_hold_seconds`, then the batch is sent newest first (Procore says nothing of order).
#: Both off by default.
DELIVERY_SWITCHES = ("duplicate_deliveries", "reorder_deliveries")
#: `ProcoreWorld.sync_ignored`: the External Data sync answers as if it applied every update
#: (entities, no errors) but changes nothing - how an unlink that Procore accepted yet did not
#: carry out looks to the app. Off by default.
