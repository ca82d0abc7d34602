"""Event contracts shared between services: one module per producing service."""
