"""`licensing erase SUBJECT --ground GROUND` and `licensing erase --due`: erase data subjects'
personal data in every service (each deletes its keys; see shared.personal and the README).

Each service is called at its URL from the topology (`LICENSING_<SERVICE>_URL` / `_PORT`, as
`licensing up` started it). Reporting is asked first: its copy of the log holds every
service's events, so it refuses (retention not over) whenever another service would, and a
refused erasure leaves every service as it was.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import httpx

from licensing.settings import cli_settings
from licensing.tokens import Need, TokenError, choose_token, refusal_hint
from shared.auth import Role
from shared.personal.erasure import GROUNDS, OVERRIDING

ERASE = Need("`licensing erase`", (Role.ADMIN,))
# Reporting first (it sees every service's records), intake, the first to know a person, last.
ORDER = ("reporting", "assessment", "denials", "intake")


class Refused(Exception):
    """A service refused or could not be asked: what it said."""


def _headers(args: argparse.Namespace) -> dict[str, str]:
    chosen = choose_token(ERASE, given=args.token, data_dir=args.data_dir,
                          settings=cli_settings())
    if chosen.notice:
        print(chosen.notice, file=sys.stderr)
    args.sent_token = chosen.token
    return {"Authorization": f"Bearer {chosen.token}"}


def _call(client: httpx.Client, args: argparse.Namespace, service: str, method: str,
          path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    url = cli_settings().url(service) + path
    try:
        response = client.request(method, url, json=body)
    except httpx.HTTPError as exc:
        raise Refused(f"{service} is not reachable at {url}: {exc}; is `licensing up` "
                      "running?") from exc
    if response.status_code >= 400:
        try:
            problem = response.json()
            said = f"{response.status_code} {problem.get('title')}: {problem.get('detail')}"
        except ValueError:
            said = f"{response.status_code} {response.text[:300]}"
        hint = refusal_hint(response.status_code, getattr(args, "sent_token", None), ERASE)
        raise Refused(f"{service}: {said}" + (f"\n{hint}" if hint else ""))
    return dict(response.json())


def erase_everywhere(client: httpx.Client, args: argparse.Namespace, subject: str,
                     ground: str) -> list[dict[str, Any]]:
    """Erase one subject in every service, reporting first; Refused at the first refusal."""
    return [_call(client, args, service, "POST", "/v1/personal-data/erasures",
                  {"subject": subject, "ground": ground}) for service in ORDER]


def due_everywhere(client: httpx.Client, args: argparse.Namespace) -> list[str]:
    """The subjects some service lists as past their retention period, in order."""
    found: set[str] = set()
    for service in ORDER:
        answer = _call(client, args, service, "GET", "/v1/personal-data/due")
        found.update(str(item["subject"]) for item in answer.get("items", []))
    return sorted(found)


def cmd_erase(args: argparse.Namespace) -> int:
    """Erase one subject, or every subject past its period (`--due`)."""
    if bool(args.subject) == bool(args.due):
        print("name a SUBJECT (with --ground) or give --due, not both", file=sys.stderr)
        return 2
    if args.subject and not args.ground:
        print("erasing a SUBJECT needs --ground: " + ", ".join(GROUNDS), file=sys.stderr)
        return 2
    try:
        headers = _headers(args)
    except TokenError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    done: list[dict[str, Any]] = []
    refused: list[str] = []
    with httpx.Client(timeout=60.0, headers=headers) as client:
        try:
            subjects = [args.subject] if args.subject else due_everywhere(client, args)
        except Refused as exc:
            print(str(exc), file=sys.stderr)
            return 2
        ground = args.ground or "retention-ended"
        for subject in subjects:
            try:
                done.extend(erase_everywhere(client, args, subject, ground))
            except Refused as exc:
                refused.append(str(exc))
    if args.json:
        print(json.dumps({"erased": done, "refused": refused}, indent=2))
    else:
        for item in done:
            print(f"{item['service']:<11} {item['subject']} erased ({item['ground']}, "
                  f"{item['keys_deleted']} keys deleted)")
        if args.due and not subjects:
            print("no data subject is past its retention period")
    for reason in refused:
        print(reason, file=sys.stderr)
    if refused:
        return 1
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the `erase` subcommand."""
    p = sub.add_parser(
        "erase", help="erase a data subject's personal data in every service",
        description="Erase the personal data of data subject SUBJECT (`ps_...`) in every "
                    "service, by deleting its keys: every personal field sealed for it then "
                    "reads as erased, in every event, read and backup; each service records "
                    "the erasure as a `PersonalDataErased` event holding no personal data. "
                    "Refused while the subject's records are within their retention period "
                    "(the answer says until when), unless the ground is one of "
                    f"{', '.join(sorted(OVERRIDING))}.\n\n"
                    "--due erases, on ground retention-ended, every subject a service lists "
                    "as past its period (GET /v1/personal-data/due).\n\n"
                    + ERASE.help() + "\n\nExits 1 when an erasure was refused, 2 when a "
                    "service could not be asked.")
    p.add_argument("subject", nargs="?", default=None, help="the data subject id, ps_...")
    p.add_argument("--ground", choices=GROUNDS, default=None,
                   help="why: " + ", ".join(GROUNDS))
    p.add_argument("--due", action="store_true",
                   help="erase every subject past its retention period")
    p.add_argument("--token", default=None, help="a bearer token (default: LICENSING_TOKEN)")
    p.add_argument("--data-dir", type=Path, default=None,
                   help="mint a token with this data dir's key (default: LICENSING_DATA_DIR, "
                        "else ./var)")
    p.add_argument("--json", action="store_true", help="print JSON for scripts")
    p.set_defaults(func=cmd_erase)
