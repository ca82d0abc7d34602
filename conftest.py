"""Repository-wide pytest set-up.

The gateway's package (gateway/gateway) shares its name with its folder; importing it before pytest
collects gateway/tests keeps pytest from taking the folder for the package. The editable install does
not change that: pytest's importlib mode names gateway/tests/conftest.py `gateway.tests.conftest` and,
finding no such module, would put a stand-in `gateway` in sys.modules.

No secret has a default, so a test session makes its own, as `make run` does per data directory;
processes the tests start inherit them.
"""

import os
import secrets

for _name in ("INTERNAL_SECRET", "JWT_SECRET", "METRICS_TOKEN"):
    os.environ.setdefault(_name, secrets.token_urlsafe(32))

import gateway.app  # noqa: E402, F401
