"""The seeded demo world: one Procore company, two projects, commitments, synced and unsynced
CCOs in various ERP states, and Slack users with different permission sets and languages.

Used by `cco-bot sandbox` and by the end-to-end tests, so what the playground shows is what the
tests prove.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sandbox.erps.kit import ErpDemo, ErpKeys
from sandbox.procore.world import ProcoreWorld
from sandbox.slack.world import SlackWorkspace

COMPANY_ID = 4264
COMPANY_NAME = "Northwind Builders"
CLIENT_ID = "cco-bot-sandbox"
CLIENT_SECRET = "sandbox-client-secret"
TEAM_ID = "T0NORTHWD"
SERVICE_ACCOUNT_EMAIL = "cco-bot-sandbox@service-account.northwind.example"
COMMITMENTS = "commitments"
ERP_INTEGRATIONS = "erp_integrations"


@dataclass(frozen=True)
class DemoPerson:
    key: str
    slack_id: str
    name: str
    email: str | None
    in_procore: bool = True
    can_push: bool = False
    erp_level: int = 0
    commitments_level: int = 0
    title: str = ""
    #: the language the person chose in Slack (`users.info` with `include_locale=true`)
    locale: str = "en-US"


PEOPLE: tuple[DemoPerson, ...] = (
    DemoPerson(
        "ana",
        "U0ANA",
        "Ana Alvarez",
        "ana@northwind.example",
        True,
        True,
        3,
        4,
        "Project Accountant (approver)",
    ),
    DemoPerson(
        "ben", "U0BEN", "Ben Okafor", "ben@northwind.example", True, False, 3, 4, "Project Manager"
    ),
    DemoPerson(
        "chloe",
        "U0CHLOE",
        "Chloe Martin",
        "chloe@northwind.example",
        True,
        False,
        0,
        3,
        "Project Engineer",
    ),
    DemoPerson(
        "dan",
        "U0DAN",
        "Dan Wright",
        "dan@drywall-sub.example",
        False,
        title="Subcontractor (not in Procore)",
    ),
    DemoPerson("eve", "U0EVE", "Eve Guest", None, False, title="Guest (no email in Slack)"),
    # the team's other languages: the app answers each of them in their Slack language
    DemoPerson(
        "camille",
        "U0CAMILLE",
        "Camille Tremblay",
        "camille@northwind.example",
        True,
        True,
        3,
        4,
        "Contrôleuse de projet",
        "fr-CA",
    ),
    DemoPerson(
        "lucia",
        "U0LUCIA",
        "Lucía Rojas",
        "lucia@northwind.example",
        True,
        False,
        3,
        4,
        "Gerente de proyecto",
        "es-LA",  # Slack's tag for Latin-American Spanish: the app answers in es-419
    ),
    DemoPerson(
        "jonas",
        "U0JONAS",
        "Jonas Weber",
        "jonas@northwind.example",
        True,
        False,
        0,
        3,
        "Projektingenieur",
        "de-DE",
    ),
)


@dataclass(frozen=True)
class DemoCommitment:
    key: str
    number: str
    title: str
    vendor: str
    kind: str = "WorkOrderContract"


@dataclass(frozen=True)
class DemoCco:
    number: str
    title: str
    commitment: str
    amount: str
    #: the ERP record's state, or None for a CCO that was never synced
    erp_state: str | None


@dataclass(frozen=True)
class DemoProject:
    id: int
    name: str
    channel_id: str
    channel_name: str
    commitments: tuple[DemoCommitment, ...]
    ccos: tuple[DemoCco, ...]


#: what the big project's CCOs are about, cycled (a card of them pages with *More*)
_CAMPUS_WORK = (
    ("Duct reroute, level {n}", "sc4"),
    ("Added cleanouts, wing {n}", "sc4"),
    ("Mullion upgrade, bay {n}", "sc5"),
    ("Rebar overrun, pour {n}", "po6"),
)
#: the ERP states of the big project's synced CCOs, cycled
_CAMPUS_STATES = ("deleted", "present", "reversed", "deleted", "present")
#: how many CCOs Campus C has: all synced but the last two
CAMPUS_CCOS = 28


def campus_ccos() -> list[DemoCco]:
    """Campus C's CCOs: 26 synced in various ERP states and 2 never synced."""
    ccos = []
    for n in range(1, CAMPUS_CCOS + 1):
        title, commitment = _CAMPUS_WORK[n % len(_CAMPUS_WORK)]
        state = _CAMPUS_STATES[n % len(_CAMPUS_STATES)] if n <= CAMPUS_CCOS - 2 else None
        amount = f"{1000 + 137 * n}.00"
        ccos.append(DemoCco(f"{n:03d}", title.format(n=n), commitment, amount, state))
    return ccos


PROJECTS: tuple[DemoProject, ...] = (
    DemoProject(
        101,
        "Tower A",
        "C0TOWERA",
        "tower-a",
        (
            DemoCommitment("sc1", "SC-001", "Drywall & framing", "Acme Drywall"),
            DemoCommitment(
                "po2", "PO-002", "Ready-mix concrete", "Stone Supply", "PurchaseOrderContract"
            ),
            DemoCommitment("sc3", "SC-003", "Electrical rough-in", "Volt Electric"),
        ),
        (
            DemoCco("001", "Added soffit framing, level 3", "sc1", "12500.00", "present"),
            DemoCco("002", "Drywall board upgrade", "sc1", "4200.00", "reversed"),
            DemoCco("003", "Concrete overrun, pour 7", "po2", "8750.50", "deleted"),
            DemoCco("004", "Extra outlets, lobby", "sc3", "2300.00", None),
            DemoCco("005", "Conduit reroute, core", "sc3", "6900.00", "present"),
            DemoCco("006", "Credit: reduced framing scope", "sc1", "-1500.00", "deleted"),
            DemoCco("007", "Fire caulking, level 2", "sc3", "1850.00", None),
        ),
    ),
    DemoProject(
        202,
        "Harbor B",
        "C0HARBORB",
        "harbor-b",
        (DemoCommitment("sc9", "SC-009", "Steel erection", "Harbor Steel"),),
        (
            DemoCco("001", "Extra bracing, bay 4", "sc9", "18900.00", "present"),
            DemoCco("002", "Crane standby", "sc9", "3100.00", None),
        ),
    ),
    DemoProject(
        303,
        "Campus C",
        "C0CAMPUSC",
        "campus-c",
        (
            DemoCommitment("sc4", "SC-004", "Mechanical & plumbing", "Flowline Mechanical"),
            DemoCommitment("sc5", "SC-005", "Curtain wall", "Clearview Glazing"),
            DemoCommitment(
                "po6", "PO-006", "Rebar supply", "Ironside Rebar", "PurchaseOrderContract"
            ),
        ),
        tuple(campus_ccos()),
    ),
)


@dataclass
class DemoIndex:
    """Ids the seeding assigned, so tests and the playground can refer to demo things by name."""

    users: dict[str, int] = field(default_factory=dict)
    company_templates: dict[str, int] = field(default_factory=dict)
    project_templates: dict[tuple[int, str], int] = field(default_factory=dict)
    packages: dict[tuple[int, str], int] = field(default_factory=dict)
    erp_keys: dict[tuple[int, str], ErpKeys] = field(default_factory=dict)
    #: the Directory user of the app's service account, and its company permission template
    service_account: int = 0
    service_account_template: int = 0
    #: CCOs added in Procore from the playground's side panel, per project id
    added: dict[int, list[DemoCco]] = field(default_factory=dict)

    def ccos(self, project: DemoProject) -> list[DemoCco]:
        """The project's seeded CCOs, then those added from the playground."""
        return [*project.ccos, *self.added.get(project.id, ())]

    def erp_word(self, project_id: int, cco: DemoCco) -> str | None:
        """The demo word of the CCO's ERP record as seeded; "present" for one first synced from
        the playground; None for one never synced."""
        if cco.erp_state is not None:
            return cco.erp_state
        return "present" if (project_id, cco.number) in self.erp_keys else None


def seed_slack(workspace: SlackWorkspace) -> None:
    members = [p.slack_id for p in PEOPLE]
    for person in PEOPLE:
        workspace.add_user(
            person.slack_id, person.key, person.name, person.email, locale=person.locale
        )
    for project in PROJECTS:
        workspace.add_channel(project.channel_id, project.channel_name, members=members)


def seed_procore(world: ProcoreWorld, erp: ErpDemo) -> DemoIndex:
    index = seed_people(world)
    for project in PROJECTS:
        _seed_project(world, index, project, erp)
    return index


def seed_people(world: ProcoreWorld) -> DemoIndex:
    """The company, the app's OAuth client, the projects (without CCOs) and the people."""
    index = DemoIndex()
    world.add_company(COMPANY_NAME, id=COMPANY_ID)
    client = world.add_client(CLIENT_ID, CLIENT_SECRET, company_ids={COMPANY_ID})
    for project in PROJECTS:
        world.add_project(COMPANY_ID, project.name, is_erp_integrated=True, id=project.id)
    for person in (p for p in PEOPLE if p.in_procore and p.email):
        _seed_person(world, index, person)
    client.service_account_id = _seed_service_account(world, index)
    return index


def _seed_service_account(world: ProcoreWorld, index: DemoIndex) -> int:
    """The app's Directory record as Procore's ERP guide has it set up: `Can Push To Accounting`
    enabled and ERP Integrations Admin in its company permission template."""
    template = world.add_template(
        COMPANY_ID, "cco-bot service account", type="company_tools", levels={ERP_INTEGRATIONS: 4}
    )
    account = world.add_user(
        COMPANY_ID,
        "cco-bot (service account)",
        SERVICE_ACCOUNT_EMAIL,
        can_push=True,
        company_template_id=template.id,
    )
    index.service_account, index.service_account_template = account.id, template.id
    return account.id


def _seed_person(world: ProcoreWorld, index: DemoIndex, person: DemoPerson) -> None:
    company_template = world.add_template(
        COMPANY_ID,
        f"{person.name} — company tools",
        type="company_tools",
        levels={ERP_INTEGRATIONS: person.erp_level},
    )
    user = world.add_user(
        COMPANY_ID,
        person.name,
        str(person.email),
        can_push=person.can_push,
        company_template_id=company_template.id,
        job_title=person.title,
    )
    index.users[person.key] = user.id
    index.company_templates[person.key] = company_template.id
    for project in PROJECTS:
        template = world.add_template(
            COMPANY_ID,
            f"{person.name} — {project.name}",
            levels={COMMITMENTS: person.commitments_level},
        )
        world.add_membership(project.id, user.id, template.id)
        index.project_templates[(project.id, person.key)] = template.id


def erp_project_key(project: DemoProject) -> str:
    """The key the demo ERPs file a project under: "TOWERA" for Tower A."""
    return "".join(project.name.split()).upper()


def seed_erp_project(world: ProcoreWorld, project: DemoProject, erp: ErpDemo) -> None:
    """The project's record in the ERP, and its key as the Procore project's `origin_id`."""
    world.projects[project.id].origin_id = erp.project_origin(
        erp_project_key(project), project.name
    )


def _seed_project(
    world: ProcoreWorld, index: DemoIndex, project: DemoProject, erp: ErpDemo
) -> None:
    seed_erp_project(world, project, erp)
    contracts: dict[str, tuple[int, str]] = {}
    for c in project.commitments:
        origin = erp.commitment_origin(f"{project.id}-{c.number}")
        made = world.add_commitment(
            project.id, c.number, c.title, vendor_name=c.vendor, origin_id=origin, type=c.kind
        )
        contracts[c.key] = (made.id, origin)
    for cco in project.ccos:
        contract_id, commitment_origin = contracts[cco.commitment]
        keys = (
            erp.add_record(f"{project.id}-{cco.number}", cco.erp_state, commitment_origin)
            if cco.erp_state is not None
            else None
        )
        package = world.add_package(
            project.id,
            contract_id,
            cco.number,
            cco.title,
            grand_total=cco.amount,
            origin_id=keys.origin_id if keys else None,
        )
        for line_origin in keys.line_origin_ids if keys else ():
            world.add_line_item(package.id, cco.title, cco.amount, origin_id=line_origin)
        index.packages[(project.id, cco.number)] = package.id
        if keys:
            index.erp_keys[(project.id, cco.number)] = keys
