"""`cco-bot sandbox`: the app against local stand-ins of Slack, Procore and an ERP, seeded with
the demo world, on 127.0.0.1 — no accounts, no settings — and the playground page that drives it.

Prints one URL (the playground) and runs until Ctrl-C. The playground imports nothing from the
app: this launcher hands it what to drive (`Target`), the app's own answers it shows (what the
next click does, which project a channel is linked to), and restarts the app when the visitor
switches the ERP or resets the demo world.

With `--workspaces` a second app runs beside it in many-workspace mode (SLACK_CLIENT_ID and
SLACK_CLIENT_SECRET of the Slack stand-in's OAuth app, its own database), on the same stand-ins,
for a second workspace of the stand-in Slack where it is not installed yet: the playground's
second page shows *Add to Slack* → the consent screen → App Home → *Set up*.

`/cco connect` works here too: the app's `PUBLIC_URL` is its own loopback address and a fresh
`TOKEN_ENCRYPTION_KEY` is made for each run, so the Procore login stand-in's redirect comes back
to the app in the visitor's browser.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import signal
import socket
import sys
import tempfile
from pathlib import Path

from bot.logging import configure_logging
from bot.runtime import Runtime, build_runtime
from bot.settings import settings_from
from bot.web import make_web_app
from erp.base import ErpInfo
from erp.registry import info_for
from flows.foresight import ClickerReads, PackageReads, foresee, foresee_clicker
from handlers.slack_io import SlackDirectory
from procore.permissions import PermissionKeys
from sandbox import demo
from sandbox.erps.demos import ERP_DEMOS
from sandbox.playground import ErpFacts, Target, make_playground
from sandbox.playground.erp_switch import start_erp
from sandbox.playground.forecast import CcoFacts, ClickerFacts, Forecast, answers
from sandbox.playground.world import NewWorkspace
from sandbox.runner import RunningServer, serve
from sandbox.stack import Stack, start_stack
from storage import links
from storage.accounts import TokenCipher

#: the second workspace (`--workspaces`): not installed when the sandbox starts
NEW_TEAM_ID, NEW_TEAM_NAME = "T0BRAVO", "Bravo Builders"
#: its channel, and the demo project its hint suggests linking there
NEW_CHANNEL = ("C0BRAVOTWR", "bravo-tower", 101)
#: the set-up form's labels of the ERP settings the stand-in is reached with
SET_UP_LABELS = {
    "ERP_BASE_URL": "ERP URL",
    "ERP_USERNAME": "ERP user name",
    "ERP_PASSWORD": "ERP password",
    "ERP_CLIENT_ID": "ERP client id",
    "ERP_CLIENT_SECRET": "ERP client secret",
    "ERP_TENANT": "ERP company or tenant",
}


def erp_facts(system: str) -> ErpFacts:
    """The ERP `system` as the playground names it."""
    return ErpFacts(system=system, name=info_for(system).name)


class AppRules:
    """The playground's `Rules`: its facts handed to the app's own unlink decision
    (`flows.foresight`), with the ERP policy and permission keys the app runs with."""

    def __init__(self, erp: ErpInfo, keys: PermissionKeys) -> None:
        self.erp = erp
        self.keys = keys

    def clicker(self, clicker: ClickerFacts, project_name: str) -> Forecast:
        seen = foresee_clicker(self.keys, _clicker_reads(clicker), project_name)
        return Forecast(seen.kind, seen.color, seen.text)

    async def click(self, clicker: ClickerFacts, cco: CcoFacts) -> Forecast:
        package = PackageReads(
            project_id=cco.project_id,
            project_name=cco.project_name,
            number=cco.number,
            title=cco.title,
            synced=cco.synced,
            erp_state=cco.erp_state,
            erp_answers=answers(cco.erp_mode),
            project_erp_integrated=cco.project_erp_integrated,
            erp_knows_parents=cco.erp_company_seeded,
        )
        seen = await foresee(self.erp, self.keys, _clicker_reads(clicker), package)
        return Forecast(seen.kind, seen.color, seen.text)


def _clicker_reads(clicker: ClickerFacts) -> ClickerReads:
    return ClickerReads(
        first_name=clicker.first_name,
        email=clicker.email,
        in_procore=clicker.in_procore,
        commitments_level=clicker.commitments_level,
        erp_integrations_level=clicker.erp_integrations_level,
        can_push=clicker.can_push,
        procore_answers=answers(clicker.procore_mode),
    )


class Sandbox:
    """The running stand-ins, the app on them, and the playground page."""

    def __init__(
        self, stack: Stack, folder: Path, *, owns_folder: bool = False, workspaces: bool = False
    ) -> None:
        self.stack = stack
        self.workspaces = workspaces
        #: the app in many-workspace mode (`--workspaces`)
        self.second_server: RunningServer | None = None
        self.second_port = _free_port()
        self.folder = folder
        self.owns_folder = owns_folder
        self.app_server: RunningServer | None = None
        self.rules: AppRules | None = None
        self.runtime: Runtime | None = None
        self.playground: RunningServer | None = None
        self._switching = asyncio.Lock()
        #: the app keeps its port and token key across restarts, so `/cco connect` links and
        #: the OAuth redirect URI stay valid
        self.app_port = _free_port()
        self.token_key = TokenCipher.new_key()

    @property
    def url(self) -> str:
        assert self.playground is not None
        return f"{self.playground.url}/"

    def target(self) -> Target:
        assert self.app_server is not None and self.rules is not None
        events_url = f"{self.app_server.url}/slack/events"
        return Target(
            self.stack,
            events_url,
            erp_facts(self.stack.erp.system),
            self.rules,
            self.channel_link,
            self.forget_locale,
        )

    def new_target(self) -> Target:
        """The second workspace's page: the many-workspace app, as a new team of the stand-in."""
        assert self.second_server is not None
        return Target(
            self.stack,
            f"{self.second_server.url}/slack/events",
            erp_facts(self.stack.erp.system),
            self.target().rules,
            _no_link,
            workspace=NewWorkspace(
                NEW_TEAM_ID,
                f"{self.second_server.url}/slack/install",
                (NEW_CHANNEL,),
                self.set_up_facts(),
            ),
        )

    def set_up_facts(self) -> tuple[tuple[str, str], ...]:
        """What the set-up form asks for, as the stand-ins answer it (to copy into the form)."""
        env = self.stack.app_env()
        facts = [
            ("Procore company", f"{demo.COMPANY_NAME} ({demo.COMPANY_ID})"),
            ("ERP", erp_facts(self.stack.erp.system).name),
        ]
        return tuple(facts + [(SET_UP_LABELS[k], v) for k, v in env.items() if k in SET_UP_LABELS])

    async def start_second_app(self) -> None:
        """The app in many-workspace mode on the same stand-ins; the stand-in Slack gains the
        new workspace (and its channel) and this app's redirect URL."""
        slack = self.stack.slack
        installs = slack.installs
        installs.add_team(NEW_TEAM_ID, NEW_TEAM_NAME)
        channel_id, name, _ = NEW_CHANNEL
        slack.add_channel(channel_id, name, members=[p.slack_id for p in demo.PEOPLE])
        url = f"http://127.0.0.1:{self.second_port}"
        installs.redirect_urls = [f"{url}/slack/oauth_redirect"]
        values: dict[str, object] = {k.lower(): v for k, v in self.stack.app_env().items()}
        values["database_url"] = f"sqlite+aiosqlite:///{self.folder / 'cco-bot-workspaces.db'}"
        values["public_url"] = url
        values["token_encryption_key"] = self.token_key
        values["slack_client_id"] = installs.client_id
        values["slack_client_secret"] = installs.client_secret
        runtime = await build_runtime(settings_from(values))
        self.second_server = await serve(make_web_app(runtime), port=self.second_port)

    def forget_locale(self, user_id: str) -> None:
        """The app reads the person's Slack locale again on their next command or click."""
        if self.runtime is not None:
            directory = self.runtime.services.directory
            if isinstance(directory, SlackDirectory):
                directory.locales.forget(self.stack.slack.team_id, user_id)

    async def channel_link(self, channel_id: str) -> tuple[int, str] | None:
        """The Procore project the app has this channel linked to (its own record)."""
        if self.runtime is None:
            return None
        async with self.runtime.db.session() as s:
            link = await links.get_channel_link(
                session=s, team_id=self.stack.slack.team_id, channel_id=channel_id
            )
        return None if link is None else (link.project_id, link.project_name)

    async def start_app(self) -> None:
        values: dict[str, object] = {k.lower(): v for k, v in self.stack.app_env().items()}
        values["database_url"] = f"sqlite+aiosqlite:///{self.folder / 'cco-bot.db'}"
        values["public_url"] = f"http://127.0.0.1:{self.app_port}"
        values["token_encryption_key"] = self.token_key
        runtime = await build_runtime(settings_from(values))
        self.rules = AppRules(runtime.erp.info, runtime.settings.permission_keys())
        self.runtime = runtime
        self.app_server = await serve(make_web_app(runtime), port=self.app_port)

    async def switch_erp(self, system: str) -> None:
        """Restart the ERP stand-in and the app on `system`; Slack and Procore keep running."""
        erp_facts(system)  # refuse a system the app does not know before stopping anything
        async with self._switching:
            switched = await start_erp(self.stack, system)
            if self.app_server is not None:
                await self.app_server.stop()
            await self.stack.erp_server.stop()
            self.stack = switched
            await self.start_app()

    async def reset(self) -> None:
        """The demo world as it was seeded: new stand-ins on the current ERP and an empty app
        database (links, attempts, requests and connected accounts gone)."""
        async with self._switching:
            system = self.stack.erp.system
            if self.app_server is not None:
                await self.app_server.stop()
                self.app_server = None
            await self.stack.stop()
            if self.second_server is not None:
                await self.second_server.stop()
                self.second_server = None
            (self.folder / "cco-bot.db").unlink(missing_ok=True)
            (self.folder / "cco-bot-workspaces.db").unlink(missing_ok=True)
            self.stack = await start_stack(system)
            await self.start_app()
            if self.workspaces:
                await self.start_second_app()

    async def stop(self) -> None:
        for server in (self.playground, self.app_server, self.second_server):
            if server is not None:
                await server.stop()
        await self.stack.stop()
        if self.owns_folder:
            shutil.rmtree(self.folder, ignore_errors=True)


async def _no_link(channel_id: str) -> tuple[int, str] | None:
    """The new workspace's page shows no side panel: no channel link read for it."""
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def erp_names() -> dict[str, str]:
    names = {}
    for system in ERP_DEMOS:
        with contextlib.suppress(ValueError, ImportError, AttributeError, KeyError):
            names[system] = info_for(system).name
    return names


async def start_sandbox(
    port: int = 0, erp: str = "acumatica", folder: Path | None = None, workspaces: bool = False
) -> Sandbox:
    """Start everything on 127.0.0.1; the playground on `port` (0: a free one); `workspaces`:
    also the app in many-workspace mode and the new workspace's page."""
    if erp not in ERP_DEMOS:
        raise ValueError(f"no ERP stand-in for {erp!r}; try one of: {', '.join(sorted(ERP_DEMOS))}")
    erp_facts(erp)
    stack = await start_stack(erp)
    if folder is None:
        temporary = Path(tempfile.mkdtemp(prefix="cco-bot-sandbox-"))
        sandbox = Sandbox(stack, temporary, owns_folder=True, workspaces=workspaces)
    else:
        sandbox = Sandbox(stack, folder, workspaces=workspaces)
    try:
        await sandbox.start_app()
        if workspaces:
            await sandbox.start_second_app()
        app = make_playground(
            sandbox.target,
            sandbox.switch_erp,
            erp_names(),
            sandbox.reset,
            sandbox.new_target if workspaces else None,
        )
        sandbox.playground = await serve(app, port=port)
    except BaseException:
        await sandbox.stop()
        raise
    return sandbox


def run_sandbox(port: int = 0, erp: str = "acumatica", workspaces: bool = False) -> int:
    configure_logging("INFO", "console")
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_run(port, erp, workspaces))
    except (ValueError, OSError) as exc:
        print(f"cco-bot sandbox: {exc}", file=sys.stderr)
        return 2
    return 0


async def _run(port: int, erp: str, workspaces: bool) -> None:
    sandbox = await start_sandbox(port, erp, workspaces=workspaces)
    print(f"cco-bot sandbox: open {sandbox.url}  (Ctrl-C stops it)", flush=True)
    if workspaces:
        print(f"  a new workspace to install into: {sandbox.url}new-workspace/", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await sandbox.stop()
