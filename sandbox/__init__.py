"""Local stand-ins for Slack, Procore and the ERPs, speaking their wire formats over HTTP.

Imports nothing from the app: it models the vendors, not our code.
"""
