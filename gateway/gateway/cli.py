"""`python -m gateway.cli token --account acc-1 [--role ops]`: a customer token from the local dev issuer."""

import argparse
import time

import jwt

from gateway.config import DEV_ISSUER, Settings


def dev_token(settings: Settings, account: str, roles: list[str], lifetime_seconds: int = 12 * 3600) -> str:
    """A token as the embedded default's local issuer signs it (refused outside the dev issuer)."""
    if settings.jwt_issuer != DEV_ISSUER or settings.env == "production":
        raise SystemExit("tokens can only be printed for the embedded default's dev issuer")
    now = int(time.time())
    claims = {"sub": account, "iss": settings.jwt_issuer, "aud": settings.jwt_audience, "iat": now, "exp": now + lifetime_seconds, "roles": roles}
    return jwt.encode(claims, settings.jwt_secret, algorithm=settings.jwt_algorithms[0])


def main() -> None:
    parser = argparse.ArgumentParser(prog="gateway.cli")
    sub = parser.add_subparsers(dest="command", required=True)
    token = sub.add_parser("token", help="print a customer (or ops) token for the embedded default")
    token.add_argument("--account", required=True)
    token.add_argument("--role", action="append", default=[])
    args = parser.parse_args()
    if not args.account:
        parser.error("ACCOUNT is required: make token ACCOUNT=acc-1 [ROLE=ops]")
    print(f"# customer token for account {args.account}{' with roles ' + ','.join(args.role) if args.role else ''}; valid 12 hours")
    print(dev_token(Settings(), args.account, args.role))


if __name__ == "__main__":
    main()
