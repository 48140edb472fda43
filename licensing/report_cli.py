"""`licensing report`, `licensing replay` and `licensing demo`: the reporting service's commands."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

import httpx


def _url(args: argparse.Namespace) -> str:
    return (args.url or os.environ.get("LICENSING_REPORTING_URL")
            or "http://127.0.0.1:8004").rstrip("/")


def _token(args: argparse.Namespace, *roles: str) -> str | None:
    """--token, LICENSING_TOKEN, or one minted with the data dir's key (never creating a key)."""
    if args.token or os.environ.get("LICENSING_TOKEN"):
        return str(args.token or os.environ["LICENSING_TOKEN"])
    from shared.auth import issue_token

    secret = os.environ.get("LICENSING_JWT_SECRET")
    key_file = Path(args.data_dir or os.environ.get("LICENSING_DATA_DIR", "var")) / "jwt.key"
    if not secret and key_file.exists():
        secret = key_file.read_text().strip()
    return issue_token(secret, roles=roles, sub="cli") if secret else None


def _client(args: argparse.Namespace, *roles: str) -> httpx.Client:
    token = _token(args, *roles)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=_url(args), headers=headers, timeout=120.0)


def _problem(response: httpx.Response) -> str:
    try:
        body = response.json()
        return f"{response.status_code} {body.get('title')}: {body.get('detail')}"
    except ValueError:
        return f"{response.status_code} {response.text[:300]}"


def cmd_report(args: argparse.Namespace) -> int:
    """Fetch the annual report and write it to a file or stdout."""
    params: dict[str, Any] = {"format": args.format}
    if args.table:
        params["table"] = args.table
    if args.as_of:
        params["as_of"] = args.as_of
    if args.lang:
        params["lang"] = args.lang
    try:
        with _client(args, "reporter") as client:
            response = client.get(f"/v1/reports/annual/{args.year}", params=params)
    except httpx.HTTPError as exc:
        print(f"reporting is not reachable at {_url(args)}: {exc}", file=sys.stderr)
        return 1
    if response.status_code != 200:
        print(_problem(response), file=sys.stderr)
        return 1
    if args.output:
        Path(args.output).write_bytes(response.content)
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(response.text)
    return 0


def _bar(done: int, total: int, rate: float, width: int = 30) -> str:
    fraction = min(done / total, 1.0) if total else 1.0
    filled = int(fraction * width)
    return (f"\r[{'#' * filled}{'.' * (width - filled)}] {fraction * 100:5.1f}% "
            f"{done}/{total} events  {rate:,.0f} events/s")


def cmd_replay(args: argparse.Namespace) -> int:
    """Rebuild every projection from the log, showing progress until it is switched in."""
    try:
        with _client(args, "admin") as client:
            response = client.post("/v1/projections/rebuild")
            if response.status_code != 202:
                print(_problem(response), file=sys.stderr)
                return 1
            target = response.json().get("generation", 0) + 1
            while True:
                status = client.get("/v1/projections/status").json()
                if status["status"] == "rebuilding":
                    sys.stderr.write(_bar(status.get("position") or 0,
                                          status.get("log_last_seq") or 0,
                                          status.get("events_per_second") or 0.0))
                    sys.stderr.flush()
                elif status.get("error"):
                    print(f"\nrebuild failed: {status['error']}", file=sys.stderr)
                    return 1
                elif status["generation"] >= target:
                    last = status.get("last_rebuild") or {}
                    events = last.get("events", 0)
                    sys.stderr.write(_bar(events, events, last.get("events_per_second", 0.0)))
                    print(f"\nrebuilt generation {status['generation']}: {events} events in "
                          f"{last.get('seconds', 0)}s; lag now {status.get('lag')}")
                    return 0
                time.sleep(0.2)
    except httpx.HTTPError as exc:
        print(f"reporting is not reachable at {_url(args)}: {exc}", file=sys.stderr)
        return 1


def cmd_demo(args: argparse.Namespace) -> int:
    """Drive a synthetic year through the system and write its report."""
    from licensing.demo import run_demo

    return run_demo(args.data_dir, applications=args.applications, seed=args.seed,
                    year=args.year)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the `report`, `replay` and `demo` subcommands."""

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--url", default=None, help="reporting's URL (LICENSING_REPORTING_URL)")
        p.add_argument("--token", default=None, help="a bearer token (LICENSING_TOKEN)")
        p.add_argument("--data-dir", type=Path, default=None,
                       help="mint a token with this data dir's key (LICENSING_DATA_DIR)")

    p = sub.add_parser("report", help="fetch the annual report",
                       description="fetch the annual report as JSON, one table as CSV, or HTML")
    p.add_argument("year", type=int)
    p.add_argument("--format", choices=("json", "csv", "html"), default="json")
    p.add_argument("--table", default=None, help="the table for CSV, e.g. military.by_category")
    p.add_argument("--as-of", default=None, help="the report as it stood at this time")
    p.add_argument("--lang", choices=("nl", "en"), default=None,
                   help="the language of the HTML report (default nl, as it is published)")
    p.add_argument("-o", "--output", default=None, help="write to this file")
    common(p)
    p.set_defaults(func=cmd_report)
    p = sub.add_parser("replay", help="rebuild the report projections from the event log",
                       description="rebuild the report projections from the event log")
    common(p)
    p.set_defaults(func=cmd_replay)
    p = sub.add_parser("demo", help="drive a synthetic year and write its report",
                       description="drive a synthetic year through the system (its own, started "
                                   "in an empty data dir, unless one is running) and write the "
                                   "HTML report")
    p.add_argument("--data-dir", type=Path, default=None,
                   help="an empty directory for the demo's system (default: a temporary one)")
    p.add_argument("--applications", type=int, default=300)
    p.add_argument("--seed", type=int, default=2024)
    p.add_argument("--year", type=int, default=None, help="default: this year (up to today)")
    p.set_defaults(func=cmd_demo)
