"""The partner signature the gateway checks, against a vector computed outside Python (openssl dgst -hmac)."""

from servicekit.request_signing import signature

EXPECTED = "a5892627916df12c188454b7153fabae4ffafe6ad5e82b4f8b5b954a80196911"


def test_the_signature_is_the_hmac_of_time_method_path_and_body_digest() -> None:
    assert signature("test-secret", 1_700_000_000, "post", "/api/v1/quotes?x=1", b'{"a":1}') == EXPECTED


def test_any_change_to_the_signed_request_changes_the_signature() -> None:
    changed = [
        signature("test-secret", 1_700_000_001, "POST", "/api/v1/quotes?x=1", b'{"a":1}'),
        signature("test-secret", 1_700_000_000, "PUT", "/api/v1/quotes?x=1", b'{"a":1}'),
        signature("test-secret", 1_700_000_000, "POST", "/api/v1/quotes?x=2", b'{"a":1}'),
        signature("test-secret", 1_700_000_000, "POST", "/api/v1/quotes?x=1", b'{"a":2}'),
        signature("other-secret", 1_700_000_000, "POST", "/api/v1/quotes?x=1", b'{"a":1}'),
    ]
    assert EXPECTED not in changed and len(set(changed)) == len(changed)
