"""`make ops ARGS="…"`: the event-flow tools for ops, over HTTP through the gateway.

    dlq list <service> [--status pending|replayed|discarded] [--all]
    dlq show <service> <id>
    dlq replay <service> <id>            dlq replay <service> --all
    dlq discard <service> <id> --reason "why"
    outbox backlog <service>             outbox republish <service> <first_id> <last_id>
    lag <service>

GATEWAY_URL (default: this data directory's gateway) and OPS_TOKEN (an ops bearer token). Without
OPS_TOKEN, the embedded default's dev issuer mints one for OPS_ACCOUNT (default `ops-<login>`),
as `make token ROLE=ops` does; elsewhere (production) a real ops token is required. Every action is
recorded by the service with the token's subject as the actor. Answers are printed as JSON.
"""

import argparse
import getpass
import json
import os
import subprocess
import sys
from typing import Any

import httpx

from launcher.stack import SERVICES, Stack


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="make ops ARGS=", description="Dead letters, outbox and consumer lag of each service.")
    sub = root.add_subparsers(dest="area", required=True)

    dlq = sub.add_parser("dlq", help="dead letters: events a consumer could not apply").add_subparsers(dest="action", required=True)
    listing = dlq.add_parser("list", help="dead letters, oldest first")
    listing.add_argument("service", choices=SERVICES)
    listing.add_argument("--status", choices=("pending", "replayed", "discarded"))
    listing.add_argument("--all", action="store_true", help="follow every page")
    show = dlq.add_parser("show", help="one dead letter with its event and error")
    show.add_argument("service", choices=SERVICES)
    show.add_argument("id", type=int)
    replay = dlq.add_parser("replay", help="apply a dead letter once, through the inbox (or --all pending, in batches)")
    replay.add_argument("service", choices=SERVICES)
    replay.add_argument("id", type=int, nargs="?")
    replay.add_argument("--all", action="store_true")
    discard = dlq.add_parser("discard", help="drop a dead letter for good, with a reason")
    discard.add_argument("service", choices=SERVICES)
    discard.add_argument("id", type=int)
    discard.add_argument("--reason", required=True)

    outbox = sub.add_parser("outbox", help="events waiting to be published").add_subparsers(dest="action", required=True)
    backlog = outbox.add_parser("backlog", help="count, oldest age and id range per topic")
    backlog.add_argument("service", choices=SERVICES)
    republish = outbox.add_parser("republish", help="send outbox ids first..last again (consumers drop copies by event id)")
    republish.add_argument("service", choices=SERVICES)
    republish.add_argument("first_id", type=int)
    republish.add_argument("last_id", type=int)

    lag = sub.add_parser("lag", help="consumer lag per partition")
    lag.add_argument("service", choices=SERVICES)
    return root


class OpsClient:
    def __init__(self, base_url: str, token: str) -> None:
        self.http = httpx.Client(base_url=base_url.rstrip("/"), headers={"Authorization": f"Bearer {token}"}, timeout=30)

    def call(self, method: str, path: str, body: dict[str, Any] | None = None, params: dict[str, Any] | None = None) -> Any:
        response = self.http.request(method, path, json=body, params={k: v for k, v in (params or {}).items() if v is not None})
        if response.status_code >= 400:
            raise OpsFailed(response)
        return response.json()


class OpsFailed(Exception):
    def __init__(self, response: httpx.Response) -> None:
        super().__init__(response.text)
        self.response = response


def run(args: argparse.Namespace, client: OpsClient) -> Any:
    base = f"/api/v1/ops/{args.service}"
    if args.area == "lag":
        return client.call("GET", f"{base}/consumers")
    if args.area == "outbox":
        if args.action == "backlog":
            return client.call("GET", f"{base}/outbox")
        return client.call("POST", f"{base}/outbox/republish", {"first_id": args.first_id, "last_id": args.last_id})
    if args.action == "list":
        return _list(client, base, args.status, args.all)
    if args.action == "show":
        return client.call("GET", f"{base}/dlq/{args.id}")
    if args.action == "discard":
        return client.call("POST", f"{base}/dlq/{args.id}/discard", {"reason": args.reason})
    if args.all:
        return _replay_all(client, base)
    if args.id is None:
        raise SystemExit("dlq replay needs an id, or --all")
    return client.call("POST", f"{base}/dlq/{args.id}/replay")


def _list(client: OpsClient, base: str, status: str | None, every_page: bool) -> Any:
    page = client.call("GET", f"{base}/dlq", params={"status": status, "limit": 100})
    items = list(page["items"])
    while every_page and page["next_cursor"]:
        page = client.call("GET", f"{base}/dlq", params={"status": status, "limit": 100, "cursor": page["next_cursor"]})
        items += page["items"]
    return {"items": items, "pending": page["pending"], "next_cursor": page["next_cursor"]}


def _replay_all(client: OpsClient, base: str) -> Any:
    """Batch after batch until nothing pending is left, or a batch changes nothing (those entries fail again)."""
    results: list[Any] = []
    while True:
        batch = client.call("POST", f"{base}/dlq/replay", {"limit": 100})
        results += batch["results"]
        if batch["remaining"] == 0 or not any("outcome" in r for r in batch["results"]):
            return {"results": results, "remaining": batch["remaining"]}


def ops_token(stack: Stack) -> str:
    """OPS_TOKEN, or one from the embedded default's dev issuer (refused in production by gateway.cli)."""
    if token := os.environ.get("OPS_TOKEN"):
        return token
    account = os.environ.get("OPS_ACCOUNT") or f"ops-{getpass.getuser()}"
    made = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "token", "--account", account, "--role", "ops"],
        env=stack.env(), capture_output=True, text=True, check=False,
    )
    if made.returncode != 0:
        raise SystemExit(f"no OPS_TOKEN set and no dev token could be made: {made.stderr.strip() or made.stdout.strip()}")
    return made.stdout.strip().splitlines()[-1]


def main(argv: list[str], stack: Stack) -> int:
    args = parser().parse_args(argv)
    base_url = os.environ.get("GATEWAY_URL") or f"http://127.0.0.1:{stack.gateway_port}"
    client = OpsClient(base_url, ops_token(stack))
    try:
        answer = run(args, client)
    except OpsFailed as failed:
        print(failed.response.text, file=sys.stderr)
        return 1
    except httpx.HTTPError as exc:
        print(f"the gateway at {base_url} did not answer: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(answer, indent=2))
    return 0
