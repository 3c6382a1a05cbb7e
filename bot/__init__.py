"""Composition root: settings, logging, the web app, the Bolt app and the `cco-bot` CLI."""
