"""The Slack sandbox: a stateful stand-in for Slack's Web API and response URLs, and Slack as
the sender of signed interactions to the app.

    workspace = SlackWorkspace()
    workspace.add_user("U1", "ana", "Ana Ruiz", "ana@example.com")
    workspace.add_channel("C1", "tower-a", members=["U1"])
    server = await serve_slack(workspace)          # AsyncWebClient(base_url=api_url(server))
    sender = SlackSender(workspace, app_url, http)  # await sender.slash_command("U1", "C1", "help")

The pieces live in `slack_workspace` (state), `slack_views`, `slack_feed`, `slack_blocks`
(Block Kit checks), `slack_methods` (Web API methods), `slack_api` (HTTP) and `slack_sender`.
"""

from sandbox.slack_api import api_url, create_app, serve_slack
from sandbox.slack_feed import ChangeFeed, FeedEvent
from sandbox.slack_sender import Delivery, SlackSender
from sandbox.slack_views import SlackView
from sandbox.slack_workspace import (
    ResponseUrl,
    SlackChannel,
    SlackMessage,
    SlackUser,
    SlackWorkspace,
)

__all__ = [
    "ChangeFeed",
    "Delivery",
    "FeedEvent",
    "ResponseUrl",
    "SlackChannel",
    "SlackMessage",
    "SlackSender",
    "SlackUser",
    "SlackView",
    "SlackWorkspace",
    "api_url",
    "create_app",
    "serve_slack",
]
