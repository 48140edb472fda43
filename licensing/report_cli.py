"""`licensing report`, `licensing replay` and `licensing demo`: the reporting service's commands."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from licensing.helptext import ParagraphHelp
from licensing.settings import cli_settings
from licensing.tokens import Need, TokenError, choose_token, refusal_hint
from shared.auth import Role

REPORT = Need("`licensing report`", (Role.REPORTER, Role.ADMIN), (Role.REPORTER,))
# A rebuild needs admin; its progress is read with the same token.
REPLAY = Need("`licensing replay`", (Role.ADMIN,), (Role.ADMIN,))
TABLES_PLACEHOLDER = "<the report's tables>"


class _TablesHelp(ParagraphHelp):
    """Help that names the report's tables, read from reporting only when help is shown."""

    def add_text(self, text: str | None) -> None:
        if text == TABLES_PLACEHOLDER:
            from services.reporting.domain.report import TABLES

            text = "tables (for --format csv --table NAME; the JSON holds them all):\n" + (
                "\n".join(f"  {name}" for name in TABLES))
        super().add_text(text)


def _url(args: argparse.Namespace) -> str:
    return str(args.url or cli_settings().url("reporting")).rstrip("/")


def _client(args: argparse.Namespace, need: Need) -> httpx.Client:
    """An HTTP client on reporting with the token `need` calls for (TokenError without one)."""
    chosen = choose_token(need, given=args.token, data_dir=args.data_dir,
                          settings=cli_settings())
    if chosen.notice:
        print(chosen.notice, file=sys.stderr)
    args.sent_token = chosen.token
    return httpx.Client(base_url=_url(args), timeout=120.0,
                        headers={"Authorization": f"Bearer {chosen.token}"})


def _problem(response: httpx.Response, args: argparse.Namespace, need: Need) -> str:
    try:
        body = response.json()
        said = f"{response.status_code} {body.get('title')}: {body.get('detail')}"
    except ValueError:
        said = f"{response.status_code} {response.text[:300]}"
    hint = refusal_hint(response.status_code, getattr(args, "sent_token", None), need)
    return f"{said}\n{hint}" if hint else said


def _unreachable(args: argparse.Namespace, exc: Exception) -> str:
    return (f"reporting is not reachable at {_url(args)}: {exc}; is `licensing up` running, "
            "with the same LICENSING_REPORTING_PORT?")


def cmd_report(args: argparse.Namespace) -> int:
    """Fetch the annual report and write it to a file or stdout."""
    output = Path(args.output) if args.output else None
    if output is not None and not output.parent.is_dir():
        print(f"cannot write {output}: the directory {output.parent} does not exist",
              file=sys.stderr)
        return 2
    params: dict[str, Any] = {"format": args.format}
    if args.table:
        params["table"] = args.table
    if args.as_of:
        params["as_of"] = args.as_of
    if args.lang:
        params["lang"] = args.lang
    try:
        with _client(args, REPORT) as client:
            response = client.get(f"/v1/reports/annual/{args.year}", params=params)
    except TokenError as exc:
        print(exc, file=sys.stderr)
        return 2
    except httpx.HTTPError as exc:
        print(_unreachable(args, exc), file=sys.stderr)
        return 1
    if response.status_code != 200:
        print(_problem(response, args, REPORT), file=sys.stderr)
        return 1
    if output is not None:
        try:
            output.write_bytes(response.content)
        except OSError as exc:
            print(f"cannot write {output}: {exc.strerror}", file=sys.stderr)
            return 1
        print(f"wrote {output}", file=sys.stderr)
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
        with _client(args, REPLAY) as client:
            response = client.post("/v1/projections/rebuild")
            if response.status_code != 202:
                print(_problem(response, args, REPLAY), file=sys.stderr)
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
    except TokenError as exc:
        print(exc, file=sys.stderr)
        return 2
    except httpx.HTTPError as exc:
        print(_unreachable(args, exc), file=sys.stderr)
        return 1


def cmd_demo(args: argparse.Namespace) -> int:
    """Drive a synthetic year through the system and write its report."""
    from licensing.demo import run_demo

    return run_demo(args.data_dir, applications=args.applications, seed=args.seed,
                    year=args.year)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the `report`, `replay` and `demo` subcommands."""

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--url", default=None,
                       help="reporting's URL (default: LICENSING_REPORTING_URL, else "
                            "http://127.0.0.1:LICENSING_REPORTING_PORT, port 8004)")
        p.add_argument("--token", default=None,
                       help="a bearer token (default: LICENSING_TOKEN)")
        p.add_argument("--data-dir", type=Path, default=None,
                       help="mint a token with this data dir's key (default: "
                            "LICENSING_DATA_DIR, else ./var)")

    p = sub.add_parser("report", help="fetch the annual report",
                       formatter_class=_TablesHelp, epilog=TABLES_PLACEHOLDER,
                       description="Fetch the annual report of YEAR as JSON (every table), one "
                                   "table as CSV, or a readable HTML page with charts.\n\n"
                                   + REPORT.help())
    p.add_argument("year", type=int, help="the report's year, e.g. 2024")
    p.add_argument("--format", choices=("json", "csv", "html"), default="json",
                   help="json (default), csv (one table: --table) or html")
    p.add_argument("--table", default=None,
                   help="the table for --format csv, e.g. military.by_category (listed below)")
    p.add_argument("--as-of", default=None,
                   help="the report as the system knew it at this time, ISO 8601 with a zone "
                        "(default: now)")
    p.add_argument("--lang", choices=("nl", "en"), default=None,
                   help="the language of the HTML report (default: nl, as it is published)")
    p.add_argument("-o", "--output", default=None,
                   help="write to this file, in a directory that exists (default: stdout)")
    common(p)
    p.set_defaults(func=cmd_report)
    p = sub.add_parser("replay", help="rebuild the report projections from the event log",
                       formatter_class=ParagraphHelp,
                       description="Rebuild the report projections from the event log while "
                                   "the old ones serve, showing progress, then switch.\n\n"
                                   + REPLAY.help())
    common(p)
    p.set_defaults(func=cmd_replay)
    p = sub.add_parser("demo", help="drive a synthetic year and write its report",
                       formatter_class=ParagraphHelp,
                       description="Drive a synthetic year through the system and write its "
                                   "HTML report (report.html in the data dir).\n\n"
                                   "It uses the system running at the configured URLs "
                                   "(LICENSING_<SERVICE>_PORT / _URL, as `licensing up`), "
                                   "minting its tokens with that data dir's key; when none "
                                   "runs, or --data-dir is given, it starts its own in an "
                                   "empty data dir on free ports and stops it afterwards.")
    p.add_argument("--data-dir", type=Path, default=None,
                   help="an empty directory for the demo's own system (default: a temporary "
                        "one; the running system's data dir when one runs)")
    p.add_argument("--applications", type=int, default=300,
                   help="how many applications (default: 300)")
    p.add_argument("--seed", type=int, default=2024, help="the random seed (default: 2024)")
    p.add_argument("--year", type=int, default=None,
                   help="the year driven (default: this year, up to today)")
    p.set_defaults(func=cmd_demo)
