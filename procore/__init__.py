"""Procore REST client and the domain models it returns."""
