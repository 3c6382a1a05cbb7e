"""Persistence: sqlmodel tables, the async engine (SQLite default, PostgreSQL) and one query
module per aggregate (links, cards, attempts, audit, requests, outbox, deliveries, accounts,
installations), each taking a keyword-only `session`; the flows own the transaction."""
