"""End-to-end: the shared platform of tests/conftest.py; `poll` waits for eventual effects."""

from eventing.testing import poll

__all__ = ["poll"]
