"""Slack listeners, one module (or package) per kind, each with one `register(app)`:
`commands` (/cco), `actions` (button clicks), `views` (form submissions), `events` (Events API).

A listener is a module-level function: it acks, parses, calls one flow and renders its answer,
and reads what it needs from Bolt's `context` (`handlers.context.deps_of`)."""
