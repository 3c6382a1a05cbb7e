"""The Slack stand-in: a stateful copy of Slack's Web API and response URLs, and Slack as the
sender of signed interactions to the app.

    workspace = SlackWorkspace()                    # sandbox.slack.world
    workspace.add_user("U1", "ana", "Ana Ruiz", "ana@example.com")
    workspace.add_channel("C1", "tower-a", members=["U1"])
    server = await serve_slack(workspace)          # sandbox.slack.app; base_url=api_url(server)
    sender = SlackSender(workspace, app_url, http)  # sandbox.slack.sender

`world` holds the state (with `views` and `feed`), `wire` reads a Web API call and writes Slack's
refusals and response-URL answers, `blocks` checks Block Kit, `methods` answers the Web API
methods, `socket_mode` speaks Socket Mode, `app` serves it all over HTTP and `sender` plays Slack
calling the app.
"""
