"""The playground's aiohttp app: the Slack-like page, its JSON API, and the side panel's changes.

GET  /                       the page (static/index.html; static/app.js, static/app.css)
GET  /api/bootstrap          people, channels, the Slack feed's position
GET  /api/messages           ?channel=&user=  the channel as that user sees it, rendered
GET  /api/events             ?channel=&user=&after=  long-poll: changed messages, rendered
POST /api/command            {"user", "channel", "text"}  `/cco …` as a signed slash command
POST /api/click              {"user", "channel", "ts", "action_id", "value", "block_id"}
POST /api/view/submit        {"user", "view_id", "values": {block_id: {action_id: value}}}
POST /api/view/close         {"user", "view_id"}
GET  /api/world              ?channel=&user=  the side panel, with what the next click will do
POST /api/world/erp-state    {"project", "number", "state"}
POST /api/world/permission   {"person", "project", "permission", "on"}
POST /api/world/outage       {"system": "procore"|"erp", "mode"}
POST /api/world/language     {"person", "locale"}  the person's language in Slack's preferences
POST /api/world/project      {"project", "erp_integrated"}  Procore's flag on the project
POST /api/world/erp-company  {"empty"}  the app's ERP settings reach an empty company, or not
POST /api/world/resync       {"project", "number"}
POST /api/world/procore-sync    {"project", "number", "person"}  synced in Procore (the ERP sync)
POST /api/world/procore-unlink  {"project", "number", "person"}  its sync cleared in Procore
POST /api/world/procore-delete  {"project", "number", "person"}  deleted in Procore
POST /api/world/procore-add     {"project", "person"}  a new CCO, synced: answers its "number"
                             (each: Procore tells the project's hooks, as it would the app)
POST /api/world/erp-system   {"system"}   (the launcher restarts the app and the ERP stand-in)
POST /api/world/reset        {}   the demo world as seeded (the launcher restarts everything)
POST /api/home               {"user"}  the user opens the app's Home tab: what the app published
POST /api/home/click         {"user", "view_id", "action_id", "value", "block_id", "values"}
                             (a click on the Home tab or in a modal; `values`: the modal's
                             inputs so far, {block_id: {action_id: value}})
GET  /api/workspace          a new workspace's page: whether the app is installed there yet

With a second, new workspace (`cco-bot sandbox --workspaces`) the same page and API serve it
under /new-workspace/ (its own `Target`: the app in many-workspace mode, not installed yet).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

import httpx
from aiohttp import web

from sandbox import demo
from sandbox.playground import feed
from sandbox.playground.scenarios import scenarios_json
from sandbox.playground.world import NewWorkspace, Target, UnknownThing, WorldControls
from sandbox.slack.sender import SlackSender

STATIC = Path(__file__).parent / "static"
#: a long-poll answers empty after this many seconds
POLL_SECONDS = 20.0

SwitchErp = Callable[[str], Awaitable[None]]
Reset = Callable[[], Awaitable[None]]
#: how long opening the Home tab waits for the app to publish it
HOME_WAIT_SECONDS = 5.0
#: where the new workspace's page is served (`--workspaces`)
NEW_WORKSPACE_PATH = "/new-workspace/"
#: Slack's answer to a slash command of an app the workspace has not installed
NOT_INSTALLED = (
    "/cco is not a valid command here: cco-bot is not installed in this workspace yet. "
    "Click Add to Slack on the left."
)


class Playground:
    def __init__(
        self,
        current: Callable[[], Target],
        switch_erp: SwitchErp,
        erp_names: Mapping[str, str],
        reset: Reset,
        pages: list[dict[str, str]] | None = None,
    ) -> None:
        self.current = current
        self.switch_erp = switch_erp
        self.reset = reset
        self.erp_names = dict(erp_names)
        self.world = WorldControls(current)
        self.http: httpx.AsyncClient | None = None
        #: the workspaces' pages, {"name", "href"} (one page: no switcher)
        self.pages = pages or []

    def sender(self) -> SlackSender:
        assert self.http is not None, "the playground app is not running"
        target = self.current()
        sender = SlackSender(target.stack.slack, target.events_url, self.http)
        return sender if target.workspace is None else sender.as_team(target.workspace.team_id)

    def new_workspace(self) -> NewWorkspace | None:
        return self.current().workspace

    def installed(self) -> bool:
        """Whether the app serves this page's workspace (the demo's own: always)."""
        new = self.new_workspace()
        installs = self.current().stack.slack.installs
        return new is None or installs.grant_of(new.team_id) is not None

    # -- page and feed -------------------------------------------------------------------------

    async def index(self, request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC / "index.html")

    async def bootstrap(self, request: web.Request) -> web.Response:
        ws = self.current().stack.slack
        people = [
            {
                "id": p.slack_id,
                "name": p.name,
                "title": p.title,
                "email": p.email,
                "locale": ws.users[p.slack_id].locale,
                "dm": ws.dm_channel(p.slack_id).id,  # the app's direct messages to them
            }
            for p in demo.PEOPLE
        ]
        channels = [
            {"id": p.channel_id, "name": p.channel_name, "project": p.id, "project_name": p.name}
            for p in demo.PROJECTS
        ]
        new = self.new_workspace()
        if new is not None:
            channels = [{"id": c, "name": name, "project": pid} for c, name, pid in new.channels]
        return web.json_response(
            {
                "team": ws.installs.teams[new.team_id].name if new else ws.team_name,
                "people": people,
                "channels": channels,
                "seq": ws.feed.last_seq,
                "erp_names": self.erp_names,
                "scenarios": [] if new else scenarios_json(),
                "pages": self.pages,
                "workspace": None if new is None else self.workspace_json(new),
            }
        )

    def workspace_json(self, new: NewWorkspace) -> dict[str, Any]:
        grant = self.current().stack.slack.installs.grant_of(new.team_id)
        return {
            "team_id": new.team_id,
            "install_url": new.install_url,
            "installed": grant is not None,
            "installer": grant.installer if grant else None,
            "facts": [{"label": label, "value": value} for label, value in new.facts],
        }

    async def workspace(self, request: web.Request) -> web.Response:
        new = self.new_workspace()
        if new is None:
            raise web.HTTPNotFound(text="this page shows the demo's own workspace")
        return web.json_response(self.workspace_json(new))

    async def messages(self, request: web.Request) -> web.Response:
        channel, user = _viewer(request)
        ws = self.current().stack.slack
        seq = ws.feed.last_seq
        return web.json_response(
            {
                "seq": seq,
                "messages": feed.channel_view(ws, channel, user),
                "modal": feed.open_modal(ws, user),
            }
        )

    async def events(self, request: web.Request) -> web.Response:
        channel, user = _viewer(request)
        ws = self.current().stack.slack
        try:
            after = int(request.query.get("after", "0"))
        except ValueError:
            raise web.HTTPBadRequest(text="after must be a number") from None
        events = await ws.feed.wait(after, within=POLL_SECONDS)
        changes, elsewhere = feed.changes(ws, events, channel, user)
        body: dict[str, Any] = {
            "seq": ws.feed.last_seq,
            "changes": changes,
            "elsewhere": sorted(elsewhere),
        }
        if feed.modal_changed(events, user):
            body["modal"] = feed.open_modal(ws, user)
        if feed.home_changed(events, user):
            body["home"] = feed.home_view(ws, user)
        return web.json_response(body)

    async def open_home(self, request: web.Request) -> web.Response:
        """The visitor opens the Home tab: Slack tells the app (`app_home_opened`), the app
        publishes the view; answered with the view once it is (re)published, or as it was."""
        data = await _json(request)
        user = str(data.get("user"))
        ws = self.current().stack.slack
        if user not in ws.users:
            raise web.HTTPNotFound(text="unknown user")
        if not self.installed():
            return web.json_response({"ok": True, "home": None, "installed": False})
        after = ws.feed.last_seq
        delivery = await self.sender().open_home(user)
        if delivery.status != 200:
            return web.json_response(
                {"ok": False, "error": f"The app answered HTTP {delivery.status}"}
            )
        deadline = asyncio.get_running_loop().time() + HOME_WAIT_SECONDS
        while not feed.home_changed(ws.feed.since(after), user):
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                break
            await ws.feed.wait(ws.feed.last_seq, within=left)
        return web.json_response({"ok": True, "home": feed.home_view(ws, user)})

    async def click_home(self, request: web.Request) -> web.Response:
        data = await _json(request)
        values = data.get("values")
        try:
            delivery = await self.sender().click_in_view(
                str(data["user"]),
                str(data["view_id"]),
                str(data["action_id"]),
                str(data["value"]) if data.get("value") is not None else None,
                block_id=str(data["block_id"]) if data.get("block_id") else None,
                values=dict(values) if isinstance(values, dict) else None,
            )
        except (KeyError, AssertionError) as exc:
            return web.json_response({"ok": False, "error": str(exc)}, status=409)
        return web.json_response({"ok": delivery.status == 200, "status": delivery.status})

    # -- what the visitor does -----------------------------------------------------------------

    async def command(self, request: web.Request) -> web.Response:
        data = await _json(request)
        user, channel = str(data.get("user")), str(data.get("channel"))
        text = str(data.get("text") or "").strip()
        ws = self.current().stack.slack
        if user not in ws.users or channel not in ws.channels:
            raise web.HTTPNotFound(text="unknown user or channel")
        if not text.startswith("/"):
            ws.post(channel, text, user=user)
            return web.json_response({"ok": True, "posted": True})
        command, _, rest = text.partition(" ")
        if command != "/cco":
            return web.json_response(
                {"ok": False, "error": f"{command} is not a valid command. Try /cco help."}
            )
        if not self.installed():
            return web.json_response({"ok": False, "error": NOT_INSTALLED})
        delivery = await self.sender().slash_command(user, channel, rest.strip(), command)
        return web.json_response({"ok": delivery.status == 200, "status": delivery.status})

    async def click(self, request: web.Request) -> web.Response:
        data = await _json(request)
        try:
            delivery = await self.sender().click(
                str(data["user"]),
                str(data["channel"]),
                str(data["ts"]),
                str(data["action_id"]),
                str(data["value"]) if data.get("value") is not None else None,
                block_id=str(data["block_id"]) if data.get("block_id") else None,
            )
        except (KeyError, AssertionError) as exc:
            return web.json_response({"ok": False, "error": str(exc)}, status=409)
        return web.json_response({"ok": delivery.status == 200, "status": delivery.status})

    async def submit_view(self, request: web.Request) -> web.Response:
        data = await _json(request)
        values = data.get("values") or {}
        try:
            delivery = await self.sender().submit_view(
                str(data["user"]), str(data["view_id"]), dict(values)
            )
        except (KeyError, AssertionError) as exc:
            return web.json_response({"ok": False, "error": str(exc)}, status=409)
        answer = delivery.json if isinstance(delivery.json, dict) else {}
        errors = answer.get("errors") if answer.get("response_action") == "errors" else None
        return web.json_response(
            {"ok": delivery.status == 200, "status": delivery.status, "errors": errors}
        )

    async def close_view(self, request: web.Request) -> web.Response:
        """The visitor cancels a modal: Slack closes it (the app is told only when it asked
        with notify_on_close, which the app does not use)."""
        data = await _json(request)
        ws = self.current().stack.slack
        view = ws.views.get(str(data.get("view_id")))
        if view is None or view.user_id != data.get("user"):
            raise web.HTTPNotFound(text="no such open view")
        ws.views.close(view)
        return web.json_response({"ok": True})

    # -- the side panel ------------------------------------------------------------------------

    async def world_panel(self, request: web.Request) -> web.Response:
        channel, user = _viewer(request)
        linked = await self.current().channel_link(channel)
        try:
            return web.json_response(await self.world.panel(channel, user, linked))
        except UnknownThing as exc:
            raise web.HTTPNotFound(text=str(exc)) from None

    async def change(self, request: web.Request) -> web.Response:
        name = request.match_info["change"]
        data = await _json(request)
        try:
            if name.startswith("procore-"):
                said = self._in_procore(name, data)
            else:
                await self._apply(name, data)
                said = {}
        except (UnknownThing, KeyError, ValueError, TypeError) as exc:
            return web.json_response({"ok": False, "error": str(exc)}, status=400)
        return web.json_response({"ok": True} | said)

    def _in_procore(self, name: str, data: dict[str, Any]) -> dict[str, Any]:
        """A change someone makes in Procore, outside the app, as `person`."""
        world, who, project_id = self.world, str(data["person"]), int(data["project"])
        if name == "procore-add":
            return {"number": world.add_synced_cco(project_id, who)}
        number = str(data["number"])
        if name == "procore-sync":
            world.sync_in_procore(project_id, number, who)
        elif name == "procore-unlink":
            world.unlink_in_procore(project_id, number, who)
        elif name == "procore-delete":
            world.delete_in_procore(project_id, number, who)
        else:
            raise UnknownThing(f"no change {name!r}")
        return {"number": number}

    async def _apply(self, name: str, data: dict[str, Any]) -> None:
        world = self.world
        if name != "reset" and self.new_workspace() is not None:
            raise UnknownThing("change the demo world on the first workspace's page")
        if name == "erp-state":
            world.set_erp_state(int(data["project"]), str(data["number"]), str(data["state"]))
        elif name == "permission":
            world.set_permission(
                str(data["person"]),
                int(data["project"]),
                str(data["permission"]),
                data["on"] is True,
            )
        elif name == "language":
            world.set_locale(str(data["person"]), str(data["locale"]))
        elif name == "project":
            world.set_erp_integrated(int(data["project"]), data["erp_integrated"] is True)
        elif name == "erp-company":
            world.set_erp_company_empty(data["empty"] is True)
        elif name == "outage":
            world.set_outage(str(data["system"]), str(data["mode"]))
        elif name == "resync":
            world.resync(int(data["project"]), str(data["number"]))
        elif name == "erp-system":
            system = str(data["system"])
            if system not in self.erp_names:
                raise UnknownThing(f"no ERP {system!r}: {', '.join(sorted(self.erp_names))}")
            await self.switch_erp(system)
        elif name == "reset":
            await self.reset()
            self.world = WorldControls(self.current)
        else:
            raise UnknownThing(f"no change {name!r}")

    # -- lifecycle -----------------------------------------------------------------------------

    async def client(self, app: web.Application) -> AsyncIterator[None]:
        self.http = httpx.AsyncClient(timeout=30)
        yield
        await self.http.aclose()


def _viewer(request: web.Request) -> tuple[str, str]:
    channel, user = request.query.get("channel", ""), request.query.get("user", "")
    if not channel or not user:
        raise web.HTTPBadRequest(text="channel and user are required")
    return channel, user


async def _json(request: web.Request) -> dict[str, Any]:
    try:
        data = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text="a JSON object is required") from None
    if not isinstance(data, dict):
        raise web.HTTPBadRequest(text="a JSON object is required")
    return data


def make_playground(
    current: Callable[[], Target],
    switch_erp: SwitchErp,
    erp_names: Mapping[str, str],
    reset: Reset,
    new_workspace: Callable[[], Target] | None = None,
) -> web.Application:
    """The playground app. `current()` says what to drive now; `switch_erp(system)` asks the
    launcher to restart the app and the ERP stand-in; `erp_names` maps systems to display names;
    `reset()` asks it to start the demo world afresh. With `new_workspace()` (many-workspace
    mode) a second page under NEW_WORKSPACE_PATH shows a workspace the app is not installed in."""
    pages: list[dict[str, str]] = []
    if new_workspace is not None:
        ws = current().stack.slack
        new = new_workspace().workspace
        assert new is not None, "the new workspace's Target names it"
        pages = [
            {"name": ws.team_name, "href": "/"},
            {"name": f"{ws.installs.teams[new.team_id].name} (new)", "href": NEW_WORKSPACE_PATH},
        ]
    app = _playground_app(Playground(current, switch_erp, erp_names, reset, pages))
    if new_workspace is not None:
        second = Playground(new_workspace, switch_erp, erp_names, reset, pages)
        app.add_subapp(NEW_WORKSPACE_PATH.rstrip("/"), _playground_app(second))
    return app


def _playground_app(playground: Playground) -> web.Application:
    app = web.Application()
    app.cleanup_ctx.append(playground.client)
    app.router.add_get("/", playground.index)
    app.router.add_static("/static/", STATIC)
    app.router.add_get("/api/bootstrap", playground.bootstrap)
    app.router.add_get("/api/workspace", playground.workspace)
    app.router.add_get("/api/messages", playground.messages)
    app.router.add_get("/api/events", playground.events)
    app.router.add_post("/api/command", playground.command)
    app.router.add_post("/api/click", playground.click)
    app.router.add_post("/api/view/submit", playground.submit_view)
    app.router.add_post("/api/view/close", playground.close_view)
    app.router.add_post("/api/home", playground.open_home)
    app.router.add_post("/api/home/click", playground.click_home)
    app.router.add_get("/api/world", playground.world_panel)
    app.router.add_post("/api/world/{change}", playground.change)
    return app
