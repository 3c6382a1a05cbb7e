"""The playground: a Slack-like page that drives the app through the Slack stand-in, and a side
panel that changes the demo world. Imports nothing from the app; the launcher hands it a
`Target` (what to drive), a `switch_erp` callback and the ERP display names."""

from sandbox.playground.forecast import ErpFacts
from sandbox.playground.server import make_playground
from sandbox.playground.world import Target

__all__ = ["ErpFacts", "Target", "make_playground"]
