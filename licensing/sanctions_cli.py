"""`licensing sanctions load FILE`, `licensing sanctions lists`: the EU financial sanctions
list in the denials service.

`load` posts the file as published (the FSF `xmlFullSanctionsList_1_1` XML) to denials'
`POST /v1/sanctions/lists` unparsed: denials reads it, so the digest recorded in
`SanctionsListLoaded` is that of the very bytes published, and every client loads it alike.
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

LOAD = Need("`licensing sanctions load`", (Role.ADMIN,))
LISTS = Need("`licensing sanctions lists`", (Role.ADMIN, Role.ASSESSOR, Role.MFA), (Role.ADMIN,))


def _request(args: argparse.Namespace, method: str, path: str, **kwargs: Any) -> httpx.Response:
    chosen = choose_token(args.need, given=args.token, data_dir=args.data_dir,
                          settings=cli_settings())
    if chosen.notice:
        print(chosen.notice, file=sys.stderr)
    args.sent_token = chosen.token
    base = args.url or cli_settings().url("denials")
    with httpx.Client(base_url=base, timeout=args.timeout) as client:
        return client.request(method, path, headers={
            "Authorization": f"Bearer {chosen.token}", **kwargs.pop("headers", {})}, **kwargs)


def _answer(args: argparse.Namespace, response: httpx.Response) -> dict[str, Any] | None:
    if response.status_code < 400:
        return response.json()  # type: ignore[no-any-return]
    try:
        problem = response.json()
    except ValueError:
        problem = {"detail": response.text[:500]}
    print(f"error {response.status_code}: {problem.get('detail') or problem.get('title')}",
          file=sys.stderr)
    hint = refusal_hint(response.status_code, getattr(args, "sent_token", None), args.need)
    if hint:
        print(hint, file=sys.stderr)
    return None


def cmd_load(args: argparse.Namespace) -> int:
    """Post the list file to denials; prints the version now screened."""
    try:
        body = Path(args.file).read_bytes()
    except OSError as exc:
        print(f"cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    response = _request(args, "POST", "/v1/sanctions/lists", content=body,
                        headers={"Content-Type": "application/xml"})
    loaded = _answer(args, response)
    if loaded is None:
        return 1
    if args.json:
        print(json.dumps(loaded, indent=2))
    else:
        what = "loaded" if response.status_code == 201 else "already loaded, nothing recorded"
        print(f"sanctions list {loaded['list_version']} {what}: {loaded['entities']} entities, "
              f"{loaded['names']} names, sha256 {loaded['sha256']}")
    return 0


def cmd_lists(args: argparse.Namespace) -> int:
    """Print the versions loaded, the screened one marked."""
    listed = _answer(args, _request(args, "GET", "/v1/sanctions/lists"))
    if listed is None:
        return 1
    if args.json:
        print(json.dumps(listed, indent=2))
        return 0
    for item in listed["items"]:
        mark = "*" if item["current"] else " "
        print(f"{mark} {item['list_version']}  {item['entities']:>6} entities  loaded "
              f"{item['loaded_at']} by {item['loaded_by']}")
    if not listed["items"]:
        print("no sanctions list loaded")
    return 0


def _guarded(func: Any) -> Any:
    def run(args: argparse.Namespace) -> int:
        try:
            return int(func(args))
        except TokenError as exc:
            print(exc, file=sys.stderr)
            return 2
        except httpx.HTTPError as exc:
            url = args.url or cli_settings().url("denials")
            print(f"cannot reach the denials service at {url}: {exc}; is `licensing up` "
                  "running?", file=sys.stderr)
            return 1

    return run


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the `sanctions` subcommands."""
    sanctions = sub.add_parser("sanctions", help="the EU financial sanctions list screened",
                               description=__doc__)
    ssub = sanctions.add_subparsers(dest="sanctions_command", required=True)
    for name, need, func, text in (
            ("load", LOAD, cmd_load, "load a version of the list from its FSF XML file"),
            ("lists", LISTS, cmd_lists, "the versions loaded, the screened one marked *")):
        p = ssub.add_parser(name, help=text, description=text[0].upper() + text[1:] + ".")
        if name == "load":
            p.add_argument("file", help="the xmlFullSanctionsList_1_1 export, as downloaded")
        p.add_argument("--url", default=None,
                       help="denials' URL (default: LICENSING_DENIALS_URL, else "
                            "http://127.0.0.1:LICENSING_DENIALS_PORT)")
        p.add_argument("--token", default=None, help="a bearer token (default: LICENSING_TOKEN)")
        p.add_argument("--data-dir", type=Path, default=None,
                       help="mint a token with this data dir's key")
        p.add_argument("--timeout", type=float, default=300.0,
                       help="seconds to wait for denials (default 300: a full list takes a "
                            "while to file)")
        p.add_argument("--json", action="store_true", help="print JSON for scripts")
        p.epilog = need.help()
        p.set_defaults(func=_guarded(func), need=need)
