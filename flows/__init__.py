"""Slack-free use cases. Flows never import slack_bolt or slack_sdk."""
