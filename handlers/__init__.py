"""Slack-facing handlers, Block Kit builders, and the Slack-free flows they call."""
