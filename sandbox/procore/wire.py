"""Procore's JSON shapes for the stand-in's state (fields per the public OpenAPI endpoint details).

Fields the stand-in has no state for are answered with Procore's empty values (null, [], {}).
A field the public schemas do not show is added only as `sandbox.procore.assumptions` says.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sandbox.procore.assumptions import (
    ACCESS_LEVEL_NAMES,
    FRIENDLY_TOOL_NAMES,
    LINE_ITEM_ORIGIN_ID_SHOWN,
    MASK_SHOWN,
)
from sandbox.procore.world import (
    ChangeOrderPackage,
    Commitment,
    Company,
    CompanyUser,
    PackageLineItem,
    PermissionTemplate,
    ProcoreWorld,
    Project,
    WebhookDelivery,
    WebhookEvent,
    WebhookHook,
    WebhookTrigger,
)

#: Procore's template `type` enum is company_tools | global | project_specific; a project template
#: usable on every project (what the world calls "project") is a "global" one.
TEMPLATE_WIRE_TYPE = {"project": "global", "company_tools": "company_tools"}
EPOCH = "2024-01-02T15:04:05Z"
#: the package fields embedded in a commitment (per `RestV10CommitmentsIdGet`)
COMMITMENT_PACKAGE_FIELDS = frozenset(
    {
        "id",
        "contract_id",
        "created_at",
        "deleted_at",
        "due_date",
        "invoiced_date",
        "number",
        "origin_data",
        "origin_id",
        "paid_date",
        "reviewed_at",
        "title",
        "status",
        "updated_at",
    }
)


def _names(name: str) -> dict[str, Any]:
    first, _, last = name.partition(" ")
    initials = "".join(part[:1] for part in (first, last) if part).upper()
    return {"name": name, "first_name": first, "last_name": last, "initials": initials}


def template_ref(template: PermissionTemplate | None) -> dict[str, Any] | None:
    if template is None:
        return None
    return {
        "id": template.id,
        "name": template.name,
        "project_specific": False,
        "type": TEMPLATE_WIRE_TYPE[template.type],
    }


def template_json(template: PermissionTemplate) -> dict[str, Any]:
    return {
        "id": template.id,
        "company_id": template.company_id,
        "name": template.name,
        "provider_type": "Company",
        "provider_id": template.company_id,
        "project_id": None,
        "type": TEMPLATE_WIRE_TYPE[template.type],
        "category": "internal",
        "user_access_levels": dict(template.user_access_levels),
        "permissions": {},
    }


def template_list_json(template: PermissionTemplate) -> dict[str, Any]:
    """An item of `GET /companies/{id}/permission_templates` (names and ids, no levels)."""
    return (template_ref(template) or {}) | {"category": "internal"}


def company_json(company: Company, *, my_company: bool) -> dict[str, Any]:
    """An item of `GET /rest/v1.0/companies` (per `RestV10CompaniesGet`)."""
    return {
        "id": company.id,
        "name": company.name,
        "is_active": True,
        "logo_url": None,
        "pcn_business_experience": False,
        "my_company": my_company,
    }


def _vendor(world: ProcoreWorld, user: CompanyUser) -> dict[str, Any] | None:
    company = world.companies.get(user.company_id)
    return None if company is None else {"id": company.id, "name": company.name}


def company_user_json(world: ProcoreWorld, user: CompanyUser) -> dict[str, Any]:
    company_template = world.templates.get(user.company_permission_template_id or 0)
    return _names(user.name) | {
        "id": user.id,
        "email_address": user.email_address,
        "job_title": user.job_title,
        "is_active": user.is_active,
        "is_employee": True,
        "employee_id": None,
        "erp_integrated_accountant": user.erp_integrated_accountant,
        "last_login_at": None,
        "origin_id": None,
        "origin_data": None,
        "contact_id": None,
        "vendor": _vendor(world, user),
        "permission_template": None,
        "company_permission_template": template_ref(company_template),
        "created_at": EPOCH,
        "updated_at": EPOCH,
    }


def project_user_json(world: ProcoreWorld, project_id: int, user: CompanyUser) -> dict[str, Any]:
    return company_user_json(world, user) | {
        "permission_template": template_ref(world.project_template(project_id, user.id)),
    }


def project_json(world: ProcoreWorld, project: Project) -> dict[str, Any]:
    company = world.companies.get(project.company_id)
    return {
        "id": project.id,
        "name": project.name,
        "display_name": project.name,
        "project_number": None,
        "active": True,
        "company_id": project.company_id,
        "company": None if company is None else {"id": company.id, "name": company.name},
        "is_erp_integrated": project.is_erp_integrated,
        "origin_id": project.origin_id,
        "origin_code": None,
        "origin_data": None,
        "created_at": EPOCH,
        "updated_at": EPOCH,
    }


def package_json(
    package: ChangeOrderPackage, *, full: bool, type: str = "CommitmentContractChangeOrder"
) -> dict[str, Any]:
    """A change order package as the list (`full=False`) or show (`full=True`, with its `type`)
    answers it."""
    item: dict[str, Any] = {
        "id": package.id,
        "contract_id": package.contract_id,
        "created_at": package.created_at,
        "created_by_id": None,
        "deleted_at": package.deleted_at,
        "due_date": None,
        "executed": package.status == "approved",
        "invoiced_date": None,
        "number": package.number,
        "origin_code": package.origin_code,
        "origin_data": package.origin_data,
        "origin_id": package.origin_id,
        "paid_date": None,
        "reviewed_at": None,
        "signed_change_order_received_date": None,
        "status": package.status,
        "title": package.title,
        "updated_at": package.updated_at,
        "revision": 0,
        "grand_total": package.grand_total,
        "designated_reviewer": None,
        "currency_configuration": _currency(package.currency),
        "custom_fields": {},
    }
    if full:
        item |= {
            "description": "",
            "position": 0,
            "private": False,
            "review_notes": None,
            "schedule_impact_amount": 0,
            "type": type,
            "creator": None,
            "reviewer": None,
            "attachments": [],
            "line_items": [
                _line_item_json(line, position)
                for position, line in enumerate(package.line_items, start=1)
            ],
        }
    return item


def _currency(code: str | None) -> dict[str, Any]:
    """A package's `currency_configuration`: Procore names the currency of its amounts there."""
    return {} if code is None else {"currency_iso_code": code}


def _line_item_json(line: PackageLineItem, position: int) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": line.id,
        "position": position,
        "description": line.description,
        "quantity": "1.0",
        "uom": "LS",
        "unit_cost": line.amount,
        "total_amount": line.amount,
        "extended_amount": line.amount,
    }
    if LINE_ITEM_ORIGIN_ID_SHOWN:
        item["origin_id"] = line.origin_id
    return item


def _embedded_packages(world: ProcoreWorld, commitment: Commitment) -> list[dict[str, Any]]:
    packages = [
        p
        for p in world.packages.values()
        if p.contract_id == commitment.id and p.deleted_at is None
    ]
    return [
        {k: v for k, v in package_json(p, full=False).items() if k in COMMITMENT_PACKAGE_FIELDS}
        for p in packages
    ]


def commitment_json(world: ProcoreWorld, commitment: Commitment) -> dict[str, Any]:
    """`GET /rest/v1.0/commitments/{id}`: its public schema has `type` and `vendor.name`, and no
    `origin_id`."""
    project = world.projects[commitment.project_id]
    return {
        "id": commitment.id,
        "number": commitment.number,
        "title": commitment.title,
        "status": commitment.status,
        "type": commitment.type,
        "executed": True,
        "private": False,
        "vendor": dict(commitment.vendor),
        "deleted_at": None,
        "created_at": EPOCH,
        "updated_at": EPOCH,
        "change_order_packages": _embedded_packages(world, commitment),
        "change_order_requests": [],
        "potential_change_orders": [],
        "project": {"id": project.id, "name": project.name},
    }


def typed_commitment_json(world: ProcoreWorld, commitment: Commitment) -> dict[str, Any]:
    """`GET /rest/v1.0/work_order_contracts/{id}` or `/purchase_order_contracts/{id}`: where
    Procore documents the commitment's `origin_id`; `vendor` is `{id, company, origin_id,
    origin_data}` there."""
    project = world.projects[commitment.project_id]
    vendor = commitment.vendor
    return {
        "id": commitment.id,
        "number": commitment.number,
        "title": commitment.title,
        "status": commitment.status,
        "executed": True,
        "private": False,
        "accounting_method": "amount",
        "origin_id": commitment.origin_id,
        "origin_code": None,
        "origin_data": None,
        "vendor": {
            "id": vendor.get("id"),
            "company": vendor.get("name"),
            "origin_id": None,
            "origin_data": None,
        },
        "project": {"id": project.id, "name": project.name},
        "deleted_at": None,
        "created_at": EPOCH,
        "updated_at": EPOCH,
        "change_order_packages": _embedded_packages(world, commitment),
        "change_order_requests": [],
        "potential_change_orders": [],
        "line_items": [],
    }


def manifest_json(
    levels: dict[str, int], names: dict[str, str], *, project_id: int | None
) -> dict[str, Any]:
    """`GET /rest/v1.0/settings/permissions` for one user's tool levels (tool key -> level);
    `names` maps a tool key to the `name` shown (default: the key itself)."""
    scope = f"/projects/{project_id}" if project_id is not None else "/company"
    tools = []
    for position, (key, level) in enumerate(sorted(levels.items()), start=1):
        name = names.get(key, key)
        friendly = FRIENDLY_TOOL_NAMES.get(key, key.replace("_", " ").title())
        tools.append(
            {
                "id": position,
                "name": name,
                "friendly_name": friendly,
                "domain_id": project_id,
                "tab_group": "project" if project_id is not None else "company",
                "available_for_user": level > 0,
                "url": f"{scope}/{name}",
                "user_access_level": {"id": level, "name": ACCESS_LEVEL_NAMES.get(level, "None")},
                "permitted_actions": [],
                "create_url": None,
                "can_create": level >= 3,
                "trial": False,
            }
        )
    return {"tools": tools}


def company_me_json(world: ProcoreWorld, user: CompanyUser) -> dict[str, Any]:
    """`GET /rest/v1.1/companies/{company_id}/me`: the company user record of the token's user."""
    return company_user_json(world, user) | {
        "default_permission_template_id": None,
        "company_permission_template_id": user.company_permission_template_id,
    }


# -- webhooks --------------------------------------------------------------------------------------


def _stamp(ts: float) -> str:
    """Procore's event timestamps: UTC with microseconds (`2025-02-06T23:34:12.246562Z`)."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def masked(value: str) -> str:
    """A secret header as Procore shows it: only its last 5 characters (the mask is assumed)."""
    return "*" * max(0, len(value) - MASK_SHOWN) + value[-MASK_SHOWN:]


def hook_json(hook: WebhookHook) -> dict[str, Any]:
    """A hook per `RestV10WebhooksHooksPost`'s answer (the Authorization header masked)."""
    headers = {
        k: masked(v) if k == "Authorization" else v for k, v in hook.destination_headers.items()
    }
    return {
        "id": hook.id,
        "api_version": hook.api_version,
        "destination_headers": headers,
        "destination_url": hook.destination_url,
        "owned_by_company_id": hook.company_id,
        "owned_by_project_id": hook.project_id,
        "owned_by_user_id": hook.owned_by_user_id,
        "namespace": hook.namespace,
    }


def trigger_json(trigger: WebhookTrigger) -> dict[str, Any]:
    """A trigger per `RestV10WebhooksHooksHookIdTriggersPost`'s answer (event type upper-case,
    as its schema's enum)."""
    return {
        "id": trigger.id,
        "webhook_hook_id": trigger.hook_id,
        "resource_name": trigger.resource_name,
        "resource_id": None,
        "event_type": trigger.event_type.upper(),
        "company_id": trigger.company_id,
        "project_id": trigger.project_id,
        "user_id": trigger.user_id,
    }


def event_json(event: WebhookEvent) -> dict[str, Any]:
    """The delivered event object, payload format v2.0 (legacy), per Procore's webhooks guide."""
    return {
        "id": event.id,
        "ulid": event.ulid,
        "timestamp": _stamp(event.at),
        "metadata": {
            "source_user_id": event.user_id,
            "source_project_id": event.project_id,
            "source_operation_id": None,
            "source_company_id": event.company_id,
            "source_application_id": event.application_id,
        },
        "user_id": event.user_id,
        "company_id": event.company_id,
        "project_id": event.project_id,
        "api_version": "v2.0",
        "event_type": event.event_type,
        "resource_name": event.resource_name,
        "resource_id": event.resource_id,
    }


def delivery_json(delivery: WebhookDelivery) -> dict[str, Any]:
    """One delivery per the webhooks guide's List Webhooks Deliveries attributes."""
    return {
        "id": delivery.id,
        "event_id": delivery.event.id,
        "event": event_json(delivery.event),
        "started_at": _stamp(delivery.started_at),
        "completed_at": _stamp(delivery.completed_at) if delivery.completed_at else None,
        "response_status": delivery.response_status,
        "response_headers": dict(delivery.response_headers),
        "response_error": delivery.response_error,
        "response_body": delivery.response_body,
        "outcome": delivery.outcome,
    }
