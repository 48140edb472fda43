"""The assessors' CLI: `licensing cases list|show|decide|dismiss|retry-screening`,
`licensing notifications list|sent`."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import httpx

from licensing.client import ApiError, AssessmentClient, Outcome
from licensing.settings import cli_settings
from licensing.tokens import Need, TokenError, choose_token, refusal_hint
from shared.auth import Role

# Assessors work CDIU cases, the MFA its own: a minted token carries both, so one command
# works either queue; a given token is used as it is when it carries either.
CASES = Need("`licensing cases`", (Role.ASSESSOR, Role.MFA), (Role.ASSESSOR, Role.MFA))
NOTIFICATIONS = Need("`licensing notifications`", (Role.ASSESSOR, Role.MFA),
                     (Role.ASSESSOR, Role.MFA))
SENT = Need("`licensing notifications sent`", (Role.MFA,))


def _client(args: argparse.Namespace) -> AssessmentClient:
    chosen = choose_token(args.need, given=args.token, data_dir=args.data_dir,
                          settings=cli_settings())
    if chosen.notice:
        print(chosen.notice, file=sys.stderr)
    args.sent_token = chosen.token
    return AssessmentClient(args.url, chosen.token)


def _common(p: argparse.ArgumentParser, need: Need) -> None:
    p.add_argument("--url", default=None,
                   help="assessment's URL (default: LICENSING_ASSESSMENT_URL, else "
                        "http://127.0.0.1:LICENSING_ASSESSMENT_PORT, port 8002)")
    p.add_argument("--token", default=None, help="a bearer token (default: LICENSING_TOKEN)")
    p.add_argument("--data-dir", type=Path, default=None,
                   help="mint a token with this data dir's key (default: LICENSING_DATA_DIR, "
                        "else ./var)")
    p.add_argument("--json", action="store_true", help="print JSON for scripts")
    p.epilog = need.help()
    p.set_defaults(need=need)


def table(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    """A plain-text table of `columns` for people."""
    cells = [[_cell(r.get(c)) for c in columns] for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join(line.rstrip() for line in lines)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)


def _out(args: argparse.Namespace, data: Any, human: str) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False) if args.json else human)


def _criteria(text: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"criteria are numbers 1 to 8, like 2,4,7: {text!r}"
                                         ) from None
    if not values or any(not 1 <= v <= 8 for v in values):
        raise argparse.ArgumentTypeError(f"criteria are numbers 1 to 8, like 2,4,7: {text!r}")
    return values


CASE_COLUMNS = ("id", "reference", "queue", "status", "regime", "destinations", "value_eur",
                "screening_status", "outcome", "licence_number")


def cmd_list(args: argparse.Namespace) -> int:
    """List cases."""
    with _client(args) as client:
        items = client.list_cases(queue=args.queue, status=args.status,
                                  screening=args.screening)
    _out(args, items, table(items, CASE_COLUMNS) if items else "no cases")  # type: ignore[arg-type]
    return 0


def _describe(case: dict[str, Any]) -> str:
    app = case.get("application") or {}
    lines = [f"case        {case['id']} (version {case.get('version')})",
             f"reference   {case.get('reference')}",
             f"queue       {case.get('queue')} (rule {case.get('routing', {}).get('rule')}: "
             f"{case.get('routing', {}).get('explanation')})",
             f"status      {case.get('status')}"
             + (f", {case['outcome']}" if case.get("outcome") else ""),
             f"regime      {app.get('regime')} {app.get('procedure')} {app.get('transaction')}"
             f" to {','.join(app.get('destinations') or [])}, EUR {case.get('value_eur')}",
             f"end user    {(app.get('end_user') or {}).get('name')}",
             f"screening   {case.get('screening', {}).get('status')}"]
    error = (case.get("screening") or {}).get("last_error")
    if error:
        lines.append(f"  because   {error}")
    for e in case.get("embargoes") or []:
        lines.append(f"  embargo   {e['country']}: {e['reason']}")
    for m in case.get("denial_matches") or []:
        lines.append(f"  denial    {m['denial_id']} ({m.get('state')}, score {m.get('score')})")
    for h in case.get("general_licence_hints") or []:
        lines.append(f"  general   {h['code']}: {h['covers']}")
    blockers = (case.get("consultation") or {}).get("blockers") or []
    for b in blockers:
        lines.append(f"  blocks    approval: denial {b['denial_id']} "
                     f"(consultation {b['consultation_status']})")
    for d in case.get("dismissals") or []:
        lines.append(f"  dismissed denial {d['denial_id']}: {d.get('reason')}")
    for f in case.get("findings") or []:
        lines.append(f"  finding   criterion {f['criterion']}: {f['finding']}"
                     + (f" ({f['note']})" if f.get("note") else ""))
    if case.get("licence_number"):
        lines.append(f"licence     {case['licence_number']}")
    return "\n".join(lines)


def cmd_show(args: argparse.Namespace) -> int:
    """Show one case."""
    with _client(args) as client:
        case = client.get_case(args.id)
    _out(args, case, _describe(case))
    return 0


def cmd_decide(args: argparse.Namespace) -> int:
    """Approve or deny a case."""
    outcome: Outcome = "deny" if args.deny else "approve"
    if outcome == "deny" and not args.criteria:
        print("a denial must cite criteria: --criteria 2,4,7", file=sys.stderr)
        return 2
    with _client(args) as client:
        case = client.decide(args.id, outcome, criteria=args.criteria or [], note=args.note,
                             decided_at=args.decided_at, if_match=args.if_match)
    human = f"case {case['id']} {case.get('outcome')}" + (
        f"; licence {case['licence_number']}" if case.get("licence_number") else "")
    _out(args, case, human)
    return 0


def cmd_dismiss(args: argparse.Namespace) -> int:
    """Dismiss a denial match as not essentially identical."""
    with _client(args) as client:
        case = client.dismiss_match(args.id, args.denial, args.reason)
    _out(args, case, f"case {case['id']}: match with denial {args.denial} dismissed")
    return 0


def cmd_retry_screening(args: argparse.Namespace) -> int:
    """Re-run failed screenings: the cases named, or with --failed every failed open one."""
    with _client(args) as client:
        ids = list(args.ids)
        if args.failed:
            ids += [c["id"] for c in client.list_cases(status="open", screening="failed")]
        if not ids and args.failed:
            _out(args, [], "no open case has a failed screening")
            return 0
        if not ids:
            print("name the cases to re-screen, or pass --failed", file=sys.stderr)
            return 2
        cases = [client.retry_screening(case_id) for case_id in dict.fromkeys(ids)]
    _out(args, cases, "\n".join(f"case {c['id']}: screening {c['screening']['status']}"
                                for c in cases))
    return 0


NOTIFICATION_COLUMNS = ("id", "licence_number", "destination", "value_eur", "decided_on",
                        "due_by", "sent_on", "status")


def cmd_notifications(args: argparse.Namespace) -> int:
    """List fast-track notifications to parliament."""
    with _client(args) as client:
        items = client.list_notifications(status=args.status)
    _out(args, items, table(items, NOTIFICATION_COLUMNS) if items  # type: ignore[arg-type]
         else "no notifications")
    return 0


def cmd_sent(args: argparse.Namespace) -> int:
    """Record that parliament was informed."""
    with _client(args) as client:
        item = client.mark_notification_sent(args.id, args.sent_on)
    _out(args, item, f"notification {item['id']} sent on {item['sent_on']}")
    return 0


def _guarded(func: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Turn token, API and connection errors into a message and a non-zero exit."""

    def run(args: argparse.Namespace) -> int:
        try:
            return int(func(args))
        except TokenError as exc:
            print(exc, file=sys.stderr)
            return 2
        except ApiError as exc:
            if getattr(args, "json", False):
                print(json.dumps(exc.problem, indent=2), file=sys.stderr)
            else:
                print(f"error {exc}", file=sys.stderr)
            hint = refusal_hint(exc.status, getattr(args, "sent_token", None), args.need)
            if hint:
                print(hint, file=sys.stderr)
            return 1
        except httpx.HTTPError as exc:
            url = args.url or cli_settings().url("assessment")
            print(f"cannot reach the assessment service at {url}: {exc}; is `licensing up` "
                  f"running, with the same LICENSING_ASSESSMENT_PORT?", file=sys.stderr)
            return 1

    return run


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the `cases` and `notifications` subcommands."""
    cases = sub.add_parser("cases", help="work assessment cases",
                           description="List, show and decide assessment cases, dismiss "
                                       "denial matches, re-run failed screenings.")
    csub = cases.add_subparsers(dest="cases_command", required=True)
    cases.epilog = CASES.help()
    p = csub.add_parser("list", help="list cases", description="List cases, oldest first.")
    _common(p, CASES)
    p.add_argument("--queue", choices=("cdiu", "mfa"), help="one queue (default: both)")
    p.add_argument("--status", choices=("open", "decided", "withdrawn"),
                   help="cases in this status (default: any)")
    p.add_argument("--screening", choices=("pending", "completed", "failed"),
                   help="cases whose screening is in this state (default: any)")
    p.set_defaults(func=_guarded(cmd_list))
    p = csub.add_parser("show", help="show one case",
                        description="Show one case: routing, screening, findings, decision.")
    _common(p, CASES)
    p.add_argument("id", help="the case id (its application's id)")
    p.set_defaults(func=_guarded(cmd_show))
    p = csub.add_parser("decide", help="approve or deny a case",
                        description="Approve or deny a case. A CDIU case is decided by role "
                                    "assessor, an MFA case by role mfa.")
    _common(p, CASES)
    p.add_argument("id", help="the case id (its application's id)")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--approve", action="store_true", help="grant the licence")
    which.add_argument("--deny", action="store_true", help="refuse it (needs --criteria)")
    p.add_argument("--criteria", type=_criteria, help="criteria a denial rests on, e.g. 2,4,7")
    p.add_argument("--note", help="the assessor's note")
    p.add_argument("--decided-at", help="business time of the decision, ISO 8601 with a zone, "
                                        "e.g. 2024-03-12T10:00:00+01:00 (default: now)")
    p.add_argument("--if-match", type=int,
                   help="the case version the decision is based on (default: whatever it is)")
    p.set_defaults(func=_guarded(cmd_decide))
    p = csub.add_parser("dismiss", help="dismiss a denial match as not essentially identical")
    _common(p, CASES)
    p.add_argument("id", help="the case id (its application's id)")
    p.add_argument("--denial", required=True, help="the matched denial's id")
    p.add_argument("--reason", required=True, help="why the transactions differ")
    p.set_defaults(func=_guarded(cmd_dismiss))
    p = csub.add_parser("retry-screening",
                        help="re-run failed screenings once their cause is fixed")
    _common(p, CASES)
    p.add_argument("ids", nargs="*", metavar="ID")
    p.add_argument("--failed", action="store_true", help="every open case whose screening failed")
    p.set_defaults(func=_guarded(cmd_retry_screening))

    notes = sub.add_parser("notifications", help="fast-track notifications to parliament",
                           description="Fast-track notifications to parliament.")
    nsub = notes.add_subparsers(dest="notifications_command", required=True)
    notes.epilog = NOTIFICATIONS.help()
    p = nsub.add_parser("list", help="list notifications",
                        description="Fast-track notifications to parliament, by due date.")
    _common(p, NOTIFICATIONS)
    p.add_argument("--status", choices=("due", "overdue", "sent"),
                   help="only these (default: all)")
    p.set_defaults(func=_guarded(cmd_notifications))
    p = nsub.add_parser("sent", help="record that parliament was informed (role mfa)",
                        description="Record that parliament was informed (role mfa).")
    _common(p, SENT)
    p.add_argument("id", help="the case id (its application's id)")
    p.add_argument("--sent-on", help="YYYY-MM-DD (default today)")
    p.set_defaults(func=_guarded(cmd_sent))
