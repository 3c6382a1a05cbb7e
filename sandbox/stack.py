"""Start every stand-in (Slack, Procore, one ERP) on 127.0.0.1, seeded with the demo world, and
say which settings point an app at them."""

from __future__ import annotations

from dataclasses import dataclass

from sandbox import demo
from sandbox.erps.demos import ERP_DEMOS
from sandbox.erps.kit import ErpDemo
from sandbox.procore.app import ProcoreSandbox, start_procore
from sandbox.procore.world import ProcoreWorld
from sandbox.runner import RunningServer
from sandbox.slack.app import api_url, serve_slack
from sandbox.slack.world import SlackWorkspace


@dataclass
class Stack:
    slack: SlackWorkspace
    slack_server: RunningServer
    procore: ProcoreSandbox
    erp: ErpDemo
    erp_server: RunningServer
    index: demo.DemoIndex

    def app_env(self) -> dict[str, str]:
        """The settings (environment variable names) that point cco-bot at this stack."""
        return {
            "SLACK_SIGNING_SECRET": self.slack.signing_secret,
            "SLACK_BOT_TOKEN": self.slack.bot_token,
            "SLACK_API_URL": api_url(self.slack_server),
            "PROCORE_CLIENT_ID": demo.CLIENT_ID,
            "PROCORE_CLIENT_SECRET": demo.CLIENT_SECRET,
            "PROCORE_COMPANY_ID": str(demo.COMPANY_ID),
            "PROCORE_API_URL": self.procore.url,
            "PROCORE_LOGIN_URL": self.procore.url,
            **self.erp.env(self.erp_server),
        }

    async def stop(self) -> None:
        for server in (self.erp_server, self.procore.server, self.slack_server):
            await server.stop()


async def start_stack(erp_system: str = "acumatica", host: str = "127.0.0.1") -> Stack:
    if erp_system not in ERP_DEMOS:
        raise ValueError(f"no ERP stand-in for {erp_system!r}: {', '.join(sorted(ERP_DEMOS))}")
    workspace = SlackWorkspace(team_id=demo.TEAM_ID, team_name=demo.COMPANY_NAME)
    demo.seed_slack(workspace)
    erp = ERP_DEMOS[erp_system]()
    world = ProcoreWorld()
    index = demo.seed_procore(world, erp)
    slack_server = await serve_slack(workspace, host)
    procore = await start_procore(world)
    erp_server = await erp.start()
    return Stack(workspace, slack_server, procore, erp, erp_server, index)
