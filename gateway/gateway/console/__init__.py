"""The web console at /console/: static files from memory, and the development-only sign-in."""

from gateway.console.serving import Console

__all__ = ["Console"]
