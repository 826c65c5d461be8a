"""Blueprints: one per resident domain, and the staff side."""
