"""Persistence: sqlmodel tables, the async engine (SQLite default, PostgreSQL), repositories."""
