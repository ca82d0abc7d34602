"""Repository-wide pytest set-up.

The gateway's package (gateway/gateway) shares its name with its folder; importing it before pytest
collects gateway/tests keeps pytest from taking the folder for the package.
"""

import gateway.app  # noqa: F401
