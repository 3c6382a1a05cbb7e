"""The side panel's view of the world and the changes it makes: ERP record states, the three
permissions and the Slack language per person, Procore/ERP outages, and CCOs synced, unlinked,
deleted or added in Procore behind the app's back (Procore then tells the app through its hook).
Each answer says what the next click will do."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sandbox import demo
from sandbox.erps.demos import ERP_DEMOS
from sandbox.erps.kit import ErpDemo, ErpKeys
from sandbox.playground import forecast
from sandbox.playground.forecast import CcoFacts, ClickerFacts, ErpFacts, Rules
from sandbox.playground.outages import apply_mode
from sandbox.procore.world import PACKAGES_RESOURCE, ChangeOrderPackage
from sandbox.stack import Stack

#: the permission levels the demo world seeds (Procore's level ids: 4 Admin, 3 Standard, 0 None)
ADMIN, STANDARD, NONE = 4, 3, 0
PERMISSIONS = ("commitments", "erp_integrations", "can_push")
PERMISSION_LABELS = {
    "commitments": ("Commitments", "Admin", "Standard"),
    "erp_integrations": ("ERP Integrations", "Standard", "None"),
    "can_push": ("Can Push to Accounting", "On", "Off"),
}

#: what "Add a synced CCO" adds, cycled: (title, amount)
NEW_CCOS = (
    ("Added fire dampers, level 4", "3275.00"),
    ("Extra blocking for casework", "940.00"),
    ("Temporary heat, February", "5120.00"),
)
#: the panel's line for a CCO deleted in Procore (no click can change it any more)
DELETED = {
    "kind": "deleted",
    "color": "gray",
    "text": "Deleted in Procore: no card lists it any more.",
}

#: the languages a person can pick in the stand-in Slack's preferences (Slack's own tags and
#: names; Slack says es-LA for Latin-American Spanish); the app answers in the ones it speaks
#: and falls back for the others (Spanish from Spain reads es-419, Japanese the default)
SLACK_LANGUAGES = {
    "en-US": "English (US)",
    "en-GB": "English (UK)",
    "en-AU": "English (Australia)",
    "fr-CA": "Français (Canada)",
    "fr-FR": "Français (France)",
    "es-LA": "Español (Latinoamérica)",
    "es-ES": "Español (España)",
    "de-DE": "Deutsch",
    "ja-JP": "日本語",
}


def _keep_locales(user_id: str) -> None:
    """A `Target.forget_locale` for an app that keeps no locales."""


@dataclass(frozen=True)
class Target:
    """What the playground drives right now; the launcher replaces it when it restarts the app."""

    stack: Stack
    #: the app's Slack request URL (`…/slack/events`)
    events_url: str
    erp: ErpFacts
    #: the app's own answer to a click, for the forecast
    rules: Rules
    #: the Procore project (id, name) the app has a channel linked to, from the app's record
    channel_link: Callable[[str], Awaitable[tuple[int, str] | None]]
    #: make the app forget a person's Slack locale it remembers (it keeps one for 10 minutes),
    #: so a language changed in the panel shows on the next click, read again with users.info
    forget_locale: Callable[[str], None] = _keep_locales
    #: set when this page shows a new workspace (many-workspace mode), not the demo's own
    workspace: NewWorkspace | None = None


@dataclass(frozen=True)
class NewWorkspace:
    """A second workspace of the stand-in Slack, served by an app in many-workspace mode that
    is not installed there yet: the page shows *Add to Slack*, then App Home → *Set up*."""

    team_id: str
    #: the app's own install page (`…/slack/install`), where *Add to Slack* starts
    install_url: str
    #: the workspace's channels: (id, name, the demo project a hint suggests linking)
    channels: tuple[tuple[str, str, int], ...]
    #: what the set-up form asks for, to copy into it: (label, value); the stand-ins' addresses
    facts: tuple[tuple[str, str], ...]


class UnknownThing(LookupError):
    pass


def person(key_or_id: str) -> demo.DemoPerson:
    for p in demo.PEOPLE:
        if key_or_id in (p.key, p.slack_id):
            return p
    raise UnknownThing(f"no demo person {key_or_id!r}")


def project_of(channel_id: str) -> demo.DemoProject | None:
    return next((p for p in demo.PROJECTS if p.channel_id == channel_id), None)


def project(project_id: int) -> demo.DemoProject:
    found = next((p for p in demo.PROJECTS if p.id == project_id), None)
    if found is None:
        raise UnknownThing(f"no demo project {project_id}")
    return found


class WorldControls:
    def __init__(self, current: Callable[[], Target]) -> None:
        self.current = current
        self.procore_mode = forecast.NORMAL
        self.erp_mode = forecast.NORMAL
        #: the app's ERP connection points at an empty company (a wrong company or tenant)
        self.erp_company_empty = False
        self._erp: ErpDemo | None = None
        self._states: dict[tuple[int, str], str] = {}

    # -- reading -------------------------------------------------------------------------------

    def erp_states(self) -> dict[tuple[int, str], str]:
        """Each synced CCO's ERP record state (back to the seed when the ERP was switched)."""
        erp = self.current().stack.erp
        if erp is not self._erp:
            self._erp, self.erp_mode, self.erp_company_empty = erp, forecast.NORMAL, False
            index = self.current().stack.index
            self._states = {
                (p.id, c.number): erp.demo_state(word)
                for p in demo.PROJECTS
                for c in index.ccos(p)
                if (word := index.erp_word(p.id, c))
            }
        return self._states

    def levels(self, who: demo.DemoPerson, project_id: int) -> tuple[int, int, bool] | None:
        """The person's Commitments level on the project, ERP Integrations level and Can Push,
        as Procore holds them; None for someone not in Procore."""
        stack = self.current().stack
        index, world = stack.index, stack.procore.world
        if who.key not in index.users:
            return None
        commitments = world.templates[index.project_templates[(project_id, who.key)]]
        company = world.templates[index.company_templates[who.key]]
        return (
            commitments.user_access_levels.get(demo.COMMITMENTS, 0),
            company.user_access_levels.get(demo.ERP_INTEGRATIONS, 0),
            world.users[index.users[who.key]].erp_integrated_accountant,
        )

    def clicker(self, who: demo.DemoPerson, project_id: int) -> ClickerFacts:
        levels = self.levels(who, project_id) or (0, 0, False)
        return ClickerFacts(
            first_name=who.name.split()[0],
            email=who.email,
            in_procore=who.key in self.current().stack.index.users,
            commitments_level=levels[0],
            erp_integrations_level=levels[1],
            can_push=levels[2],
            procore_mode=self.procore_mode,
        )

    def locale(self, who: demo.DemoPerson) -> str:
        """The person's language in the stand-in Slack (what `users.info` answers)."""
        user = self.current().stack.slack.users.get(who.slack_id)
        return user.locale if user is not None else who.locale

    def synced(self, project_id: int, number: str) -> bool:
        return self.package(project_id, number).origin_id is not None

    def package(self, project_id: int, number: str) -> ChangeOrderPackage:
        stack = self.current().stack
        package_id = stack.index.packages.get((project_id, number))
        if package_id is None:
            raise UnknownThing(f"no CCO #{number} in project {project_id}")
        return stack.procore.world.packages[package_id]

    def hooked(self, project_id: int) -> bool:
        """Whether a hook in Procore is told when the project's CCOs change (the app makes one
        when a channel is linked to the project)."""
        world = self.current().stack.procore.world
        return bool(world.hooks_watching(project_id, PACKAGES_RESOURCE, "update"))

    # -- the panel -----------------------------------------------------------------------------

    async def panel(
        self, channel_id: str, viewer: str, linked: tuple[int, str] | None = None
    ) -> dict[str, Any]:
        """The side panel for `viewer` in `channel_id`; the project is the one the channel is
        `linked` to (when it is a demo project), else the channel's own demo project."""
        target = self.current()
        by_link = next((p for p in demo.PROJECTS if linked and p.id == linked[0]), None)
        here = by_link or project_of(channel_id) or demo.PROJECTS[0]
        self.erp_states()
        return {
            "erp": {
                "system": target.erp.system,
                "name": target.erp.name,
                "systems": sorted(ERP_DEMOS),
                "states": list(target.stack.erp.states()),
                "company_empty": self.erp_company_empty,
            },
            "project": {
                "id": here.id,
                "name": here.name,
                "channel": here.channel_id,
                "erp_integrated": self.erp_integrated(here.id),
                "hooked": self.hooked(here.id),
            },
            "link": None if linked is None else {"project": linked[0], "name": linked[1]},
            "viewer": viewer,
            "people": [self._person_json(p, here) for p in demo.PEOPLE],
            "ccos": [
                await self._cco_json(here, c, person(viewer)) for c in target.stack.index.ccos(here)
            ],
            "faults": {
                "procore": {
                    "mode": self.procore_mode,
                    "sentence": forecast.fault_sentence("Procore", self.procore_mode),
                },
                "erp": {
                    "mode": self.erp_mode,
                    "sentence": forecast.fault_sentence(target.erp.name, self.erp_mode),
                },
            },
            "modes": forecast.MODES,
            "permission_labels": PERMISSION_LABELS,
            "languages": SLACK_LANGUAGES,
        }

    def _person_json(self, who: demo.DemoPerson, here: demo.DemoProject) -> dict[str, Any]:
        levels = self.levels(who, here.id)
        verdict = self.current().rules.clicker(self.clicker(who, here.id), here.name)
        return {
            "id": who.slack_id,
            "key": who.key,
            "name": who.name,
            "title": who.title,
            "email": who.email,
            "locale": self.locale(who),
            # each switch's position: the level it sets when on (see `set_permission`)
            "rights": None
            if levels is None
            else {
                "commitments": levels[0] == ADMIN,
                "erp_integrations": levels[1] in (STANDARD, ADMIN),
                "can_push": levels[2],
            },
            "sentence": verdict.text,
            "color": verdict.color,
            "kind": verdict.kind,
        }

    def cco_facts(self, here: demo.DemoProject, cco: demo.DemoCco) -> CcoFacts:
        return CcoFacts(
            project_id=here.id,
            project_name=here.name,
            number=cco.number,
            title=cco.title,
            synced=self.synced(here.id, cco.number),
            erp_state=self.erp_states().get((here.id, cco.number)),
            erp_mode=self.erp_mode,
            project_erp_integrated=self.erp_integrated(here.id),
            erp_company_seeded=not self.erp_company_empty,
        )

    def erp_integrated(self, project_id: int) -> bool:
        return self.current().stack.procore.world.projects[project_id].is_erp_integrated

    async def _cco_json(
        self, here: demo.DemoProject, cco: demo.DemoCco, viewer: demo.DemoPerson
    ) -> dict[str, Any]:
        facts = self.cco_facts(here, cco)
        deleted = self.package(here.id, cco.number).deleted_at is not None
        shown: dict[str, str] = DELETED
        if not deleted:
            clicker = self.clicker(viewer, here.id)
            verdict = await forecast.cco_forecast(self.current().rules, clicker, facts)
            shown = {"kind": verdict.kind, "color": verdict.color, "text": verdict.text}
        return {
            "number": cco.number,
            "title": cco.title,
            "state": facts.erp_state,
            "synced": facts.synced,
            "deleted": deleted,
            "forecast": shown,
        }

    # -- changes -------------------------------------------------------------------------------

    def set_erp_state(self, project_id: int, number: str, state: str) -> None:
        stack = self.current().stack
        keys = stack.index.erp_keys.get((project_id, number))
        if keys is None:
            raise UnknownThing(f"CCO #{number} of project {project_id} has no ERP record")
        stack.erp.set_state(keys, state)
        self.erp_states()[(project_id, number)] = state

    def set_permission(self, key: str, project_id: int, permission: str, on: bool) -> None:
        stack = self.current().stack
        index, world = stack.index, stack.procore.world
        who = person(key)
        if who.key not in index.users:
            raise UnknownThing(f"{who.name} is not in Procore")
        if permission == "commitments":
            template = index.project_templates[(project(project_id).id, who.key)]
            world.set_level(template, demo.COMMITMENTS, ADMIN if on else STANDARD)
        elif permission == "erp_integrations":
            template = index.company_templates[who.key]
            world.set_level(template, demo.ERP_INTEGRATIONS, STANDARD if on else NONE)
        elif permission == "can_push":
            world.set_can_push(index.users[who.key], on)
        else:
            raise UnknownThing(f"no permission {permission!r}: {', '.join(PERMISSIONS)}")

    def set_locale(self, key: str, locale: str) -> None:
        """The person picks another language in Slack's preferences; the app reads it with
        `users.info` (`include_locale=true`) on their next command or click."""
        who = person(key)
        if locale not in SLACK_LANGUAGES:
            raise UnknownThing(f"no Slack language {locale!r}: {', '.join(SLACK_LANGUAGES)}")
        target = self.current()
        target.stack.slack.users[who.slack_id].locale = locale
        target.forget_locale(who.slack_id)

    def set_erp_integrated(self, project_id: int, on: bool) -> None:
        """Procore's "ERP integrated" flag of the project (off: its CCOs are not the ERP's)."""
        self.current().stack.procore.world.projects[project(project_id).id].is_erp_integrated = on

    def set_erp_company_empty(self, empty: bool) -> None:
        """Point the app's ERP connection at an empty company (as a wrong company or tenant
        setting would), or back at the seeded one."""
        self.erp_states()
        self.current().stack.erp.set_empty_company(empty)
        self.erp_company_empty = empty

    def set_outage(self, system: str, mode: str) -> None:
        stack = self.current().stack
        if system == "procore":
            apply_mode(stack.procore.faults, "procore", mode)
            self.procore_mode = mode
        elif system == "erp":
            self.erp_states()
            apply_mode(stack.erp.faults, "erp", mode)
            self.erp_mode = mode
        else:
            raise UnknownThing(f"no system {system!r}: procore or erp")

    def resync(self, project_id: int, number: str) -> None:
        """Put an unlinked CCO's sync link back (as the ERP sync would), to try it again."""
        stack = self.current().stack
        keys = stack.index.erp_keys.get((project_id, number))
        if keys is None:
            raise UnknownThing(f"CCO #{number} of project {project_id} was never synced")
        stack.procore.world.set_origin(stack.index.packages[(project_id, number)], keys.origin_id)

    # -- changes made in Procore, outside the app (Procore tells the app through its hook) -------

    def procore_user(self, key: str) -> int | None:
        """The Procore user a person acts as in Procore, None for someone not in Procore."""
        return self.current().stack.index.users.get(person(key).key)

    def sync_in_procore(self, project_id: int, number: str, key: str) -> None:
        """The ERP integration syncs the CCO: its ERP record is made ("present") unless it has
        one already (an unlinked CCO gets its old record back), and the package and its lines get
        the record's keys. Procore sends an update to the project's hooks."""
        stack = self.current().stack
        package = self._live(project_id, number)
        if package.origin_id is not None:
            raise ValueError(f"CCO #{number} is synced already")
        keys = stack.index.erp_keys.get((project_id, number)) or self._new_record(package)
        stack.index.erp_keys[(project_id, number)] = keys
        self.erp_states().setdefault((project_id, number), stack.erp.demo_state("present"))
        self._key_lines(package, keys)
        stack.procore.world.sync_package(
            project_id, package.id, keys.origin_id, by_user_id=self.procore_user(key)
        )

    def unlink_in_procore(self, project_id: int, number: str, key: str) -> None:
        """Someone clears the CCO's sync in Procore; the ERP record stays as it is."""
        package = self._live(project_id, number)
        if package.origin_id is None:
            raise ValueError(f"CCO #{number} is not synced")
        world = self.current().stack.procore.world
        world.unsync_package(project_id, package.id, by_user_id=self.procore_user(key))

    def delete_in_procore(self, project_id: int, number: str, key: str) -> None:
        package = self._live(project_id, number)
        world = self.current().stack.procore.world
        world.delete_package(project_id, package.id, by_user_id=self.procore_user(key))

    def add_synced_cco(self, project_id: int, key: str) -> str:
        """A new CCO under the project's first commitment, synced at once (its ERP record made
        "present"); Procore sends a create to the project's hooks. Returns its number."""
        here, stack = project(project_id), self.current().stack
        added = stack.index.added.setdefault(project_id, [])
        number = f"{max(int(c.number) for c in stack.index.ccos(here)) + 1:03d}"
        title, amount = NEW_CCOS[len(added) % len(NEW_CCOS)]
        cco = demo.DemoCco(number, title, here.commitments[0].key, amount, "present")
        contract = self._contract(here, cco.commitment)
        keys = stack.erp.add_record(f"{project_id}-{number}", "present", contract[1])
        world = stack.procore.world
        package = world.add_package(
            project_id,
            contract[0],
            number,
            title,
            grand_total=amount,
            origin_id=keys.origin_id,
            by_user_id=self.procore_user(key),
        )
        for line_origin in keys.line_origin_ids:
            world.add_line_item(package.id, title, amount, origin_id=line_origin)
        added.append(cco)
        stack.index.packages[(project_id, number)] = package.id
        stack.index.erp_keys[(project_id, number)] = keys
        self.erp_states()[(project_id, number)] = stack.erp.demo_state("present")
        return number

    def _live(self, project_id: int, number: str) -> ChangeOrderPackage:
        package = self.package(project(project_id).id, number)
        if package.deleted_at is not None:
            raise ValueError(f"CCO #{number} was deleted in Procore")
        return package

    def _contract(self, here: demo.DemoProject, commitment_key: str) -> tuple[int, str]:
        """The Procore id and ERP origin id of the project's commitment `commitment_key`."""
        number = next(c.number for c in here.commitments if c.key == commitment_key)
        world = self.current().stack.procore.world
        held = next(
            c for c in world.commitments.values() if c.project_id == here.id and c.number == number
        )
        return held.id, str(held.origin_id)

    def _new_record(self, package: ChangeOrderPackage) -> ErpKeys:
        here = project(package.project_id)
        cco = next(c for c in self.current().stack.index.ccos(here) if c.number == package.number)
        origin = self._contract(here, cco.commitment)[1]
        return self.current().stack.erp.add_record(f"{here.id}-{cco.number}", "present", origin)

    def _key_lines(self, package: ChangeOrderPackage, keys: ErpKeys) -> None:
        """The package's lines carry the record's line keys (lines added when it has none)."""
        world = self.current().stack.procore.world
        for line, line_origin in zip(package.line_items, keys.line_origin_ids, strict=False):
            line.origin_id = line_origin
        for line_origin in keys.line_origin_ids[len(package.line_items) :]:
            world.add_line_item(
                package.id, package.title, package.grand_total, origin_id=line_origin
            )
