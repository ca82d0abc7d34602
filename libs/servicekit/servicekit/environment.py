"""Which environment a process runs in: a closed set, parsed once, so a misspelt ENV cannot skip the production guard."""

import hashlib
from enum import StrEnum


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


# Spellings people use for the same three environments; anything else refuses to start.
_ALIASES = {"dev": Environment.DEVELOPMENT, "local": Environment.DEVELOPMENT, "prod": Environment.PRODUCTION}


def parse_environment(value: object) -> Environment:
    """`ENV` case-insensitively, surrounding spaces ignored; an unknown value is an error, never development."""
    if isinstance(value, Environment):
        return value
    text = str(value).strip().lower()
    try:
        return _ALIASES.get(text) or Environment(text)
    except ValueError:
        names = ", ".join([*(e.value for e in Environment), *_ALIASES])
        raise ValueError(f"ENV={value!r} is not an environment this platform knows; use one of {names}") from None


def fingerprint(secret: str) -> str:
    """A secret's SHA-256, so code can recognise a published dev secret without containing it."""
    return hashlib.sha256(secret.encode()).hexdigest()


# Fingerprints of every secret ever committed to this repository: defaults of earlier versions and the
# dev partners. Production refuses them wherever they turn up (a test keeps the partner list in step).
PUBLISHED_SECRETS = frozenset(
    {
        "31d1f2833a175352164599d0330650c662f362742cb188675fb5c62cd211a1b2",  # an earlier committed default
        "3b7d8f9e2afe47010e4bb483a5ef00bd4c8e6bce201a6cf7f340d6efdd6b7f25",  # an earlier committed default
        "6d3f12bf21b1659b487e01cb811640b5279d34a8a0675ca88c93f0ccfa7ae8dc",  # an earlier committed default
        "6fc7c583aba6fc1bf5a78249b07033b342f112aa7b64fe1ae1c96e0c6e5a3dbf",  # deploy/local/partners.json pk_retail_mihome_koramangala
        "8c3af5ae656e5cd41f5c879eda366b55bcb192cddd4d8ef46cd610caa7b0ffcb",  # deploy/local/partners.json pk_retail_mistudio_andheri
        "becbfb491e56db548a8f19e204233bb047d893d1ea21c06b368d6ccb3526da5c",  # deploy/local/partners.json pk_logistics_swiftship
        "db44367dee6c49de6c4264621dfde599117c26e420f81d3758b58f9166ac5c81",  # deploy/local/partners.json pk_checkout_mistore
    }
)
