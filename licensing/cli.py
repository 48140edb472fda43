"""The `licensing` command: run the system, mint tokens, verify the logs, work cases."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from licensing.helptext import ParagraphHelp
from licensing.settings import cli_settings
from shared.auth import ROLES
from shared.topology import DEFAULT_PORTS, NATS_DEFAULT_PORT, SERVICES

DATA_DIR_HELP = "the data dir (default: LICENSING_DATA_DIR, else ./var)"
ROLES_TEXT = ", ".join(ROLES)
EPILOG = f"""\
roles a token may carry: {ROLES_TEXT}

where each part listens (the same settings for `licensing up` and every client):
  {'  '.join(f'{s} {p}' for s, p in DEFAULT_PORTS.items())}  NATS {NATS_DEFAULT_PORT}
  LICENSING_<SERVICE>_PORT moves a service, LICENSING_<SERVICE>_URL points at one running
  elsewhere; LICENSING_NATS_PORT / LICENSING_NATS_URL the same for NATS; LICENSING_DATA_DIR
  (default ./var) holds the databases, logs and the token key; LICENSING_TOKEN is the token
  clients send.

`licensing COMMAND --help` tells more about each command."""


def data_dir_of(args: argparse.Namespace) -> Path:
    """--data-dir when given, else the configured data dir."""
    given: Path | None = getattr(args, "data_dir", None)
    return given if given is not None else cli_settings().data_dir


def cmd_up(args: argparse.Namespace) -> int:
    """Start NATS and the four services in the foreground, supervised."""
    from licensing.up import RestartPolicy, run_up

    return run_up(data_dir_of(args), replicas=dict(args.replicas or ()),
                  policy=RestartPolicy(max_crashes=args.max_crashes, window=args.crash_window))


def cmd_serve(args: argparse.Namespace) -> int:
    """Run one service (what `up` starts, and what a container runs)."""
    import signal

    import uvicorn

    from shared import logs

    try:
        log_format = logs.log_format(default="json")
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    module = importlib.import_module(f"services.{args.service}.app")
    settings_module = importlib.import_module(f"services.{args.service}.settings")
    settings = settings_module.Settings()
    # Every line, uvicorn's too (log_config=None), through one handler that masks the secrets.
    logs.configure(log_format, service=args.service, level=args.log_level,
                   secrets=[settings.jwt_secret, settings.signing_secret()])
    app = module.create_app(settings)
    # uvicorn raises SIGTERM again once it has shut down; ending by SystemExit instead lets the
    # exit hooks run, and with them the span exporter's flush of its last batch.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    # uvloop and httptools: the event loop and the HTTP parser in C (measured in BENCHMARKS.md,
    # "Where the time goes"); both are dependencies, named here so that a missing one fails at
    # start instead of falling back unseen.
    cli = cli_settings()
    uvicorn.run(app, host=args.host or cli.host, port=settings.http_port,
                log_level=args.log_level, log_config=None, access_log=False,
                timeout_graceful_shutdown=10, loop=cli.loop, http=cli.http)
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    """Print a bearer token the services started with the same data dir accept."""
    from shared.auth import ensure_key, issue_token

    settings = cli_settings()
    explicit = args.data_dir is not None
    data_dir = data_dir_of(args)
    secret = settings.signing_secret(data_dir)
    if secret is None:
        # A key made in the wrong directory signs tokens no running service accepts: make one
        # only where a data dir already is, or where the user pointed.
        if not explicit and not data_dir.is_dir():
            print(f"no data dir at {data_dir.resolve()} (LICENSING_DATA_DIR, default ./var), "
                  "so no key to sign with. Run this where `licensing up` runs (the project "
                  "root), or name the data dir: --data-dir DIR", file=sys.stderr)
            return 2
        secret = ensure_key(data_dir)
        print(f"made a new signing key at {(data_dir / 'jwt.key').resolve()}; services started "
              f"with this data dir accept the token", file=sys.stderr)
    if "partner" in args.role and not args.state:
        print("a partner token speaks for a state: add --state CC (e.g. --state DE)",
              file=sys.stderr)
        return 2
    try:
        print(issue_token(secret, roles=args.role, sub=args.sub, state=args.state,
                          ttl_seconds=args.ttl))
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    """Check the hash chain of every stream of every service."""
    from licensing.verify import verify_all

    return asyncio.run(verify_all(data_dir_of(args).resolve(), services=args.service,
                                  nats_url=args.nats, use_log=not args.no_log))


def cmd_status(args: argparse.Namespace) -> int:
    """Health, consumer lag, dead letters and restarts of every service."""
    from licensing.status import run_status

    return run_status(args.data_dir)


def replicas(text: str) -> tuple[str, int]:
    """SERVICE=N: how many processes of a service `licensing up` runs."""
    service, _, count = text.partition("=")
    if service not in SERVICES:
        raise argparse.ArgumentTypeError(
            f"{text!r}: SERVICE=N with SERVICE one of {', '.join(SERVICES)}")
    if not count.isdigit() or not 1 <= int(count) <= 9:
        raise argparse.ArgumentTypeError(f"{text!r}: N is a number of processes, 1 to 9")
    return service, int(count)


def positive(kind: type[int] | type[float]) -> Callable[[str], float]:
    """An argparse type: a number of `kind` above zero."""

    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"a number above 0, not {text!r}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"{text} is not above 0")
        return value

    return parse


def positive_seconds(text: str) -> int:
    """A number of seconds above zero (a token's lifetime)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a whole number of seconds, not {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"a token must live a while: {value} is not above 0")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The command-line grammar."""
    parser = argparse.ArgumentParser(prog="licensing", description=__doc__, epilog=EPILOG,
                                     formatter_class=ParagraphHelp)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, func: Callable[[argparse.Namespace], int], help_: str,
            description: str | None = None, data_dir: bool = True) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_, description=description or help_,
                           formatter_class=ParagraphHelp)
        if data_dir:
            p.add_argument("--data-dir", type=Path, default=None, help=DATA_DIR_HELP)
        p.set_defaults(func=func)
        return p

    p = add("up", cmd_up, "start NATS and the four services on this machine",
        "Start NATS (JetStream under DATA_DIR/nats) and the four services (SQLite under "
        "DATA_DIR), migrated on start, in the foreground; Ctrl-C or SIGTERM stops all.\n\n"
        f"Ports: {', '.join(f'{s} {p}' for s, p in DEFAULT_PORTS.items())}, NATS "
        f"{NATS_DEFAULT_PORT}; LICENSING_<SERVICE>_PORT and LICENSING_NATS_PORT move them, "
        "LICENSING_NATS_URL uses a running NATS instead, LICENSING_<SERVICE>_DB a PostgreSQL "
        "URL.\n\n"
        "A process that dies is started again after 0.5 s, then 1, 2, 4 ... at most 10 s "
        "while the others keep serving; after --max-crashes crashes of one process within "
        "--crash-window seconds `licensing up` says which and why (its last log lines), stops "
        "everything and exits 1. What runs, with its restarts, is in DATA_DIR/up.json "
        "(`licensing status` shows it).\n\n"
        "--replicas SERVICE=N runs N processes of a service on its port, port + 100, port + "
        "200 ..., sharing its database and durable consumers.")
    p.add_argument("--replicas", action="append", type=replicas, metavar="SERVICE=N",
                   help="run N processes of SERVICE, repeatable, e.g. --replicas assessment=2 "
                        "(default: one of each)")
    p.add_argument("--max-crashes", type=positive(int), default=5,
                   help="crashes of one process within --crash-window that make `up` give up "
                        "(default: 5)")
    p.add_argument("--crash-window", type=positive(float), default=60.0,
                   help="seconds over which crashes are counted (default: 60)")
    p = add("serve", cmd_serve, "run one service (what `up` starts, and a container runs)",
            data_dir=False)
    p.add_argument("service", choices=SERVICES)
    p.add_argument("--host", default=None,
                   help="the address to listen on (default: LICENSING_HOST, else 127.0.0.1)")
    p.add_argument("--log-level", default="info", help="uvicorn's log level (default: info)")
    p = add("token", cmd_token, "print a bearer token",
            "Print a bearer token that the services started with the same data dir accept, "
            "signed with the data dir's key (or LICENSING_JWT_SECRET). A key is made only in a "
            "data dir that exists, or in the one --data-dir names.\n\n"
            f"roles: {ROLES_TEXT}\n"
            "  customs: intake (applications, shipments, realisations)\n"
            "  assessor, mfa: assessment cases, licences, notifications; the denials registry\n"
            "  partner (with --state): the denials registry and consultations of a state\n"
            "  reporter, admin: reports and lifecycles (admin also rebuilds projections)")
    p.add_argument("--role", action="append", required=True, choices=ROLES, metavar="ROLE",
                   help=f"a role the token carries, repeatable; one of {ROLES_TEXT}")
    p.add_argument("--state", default=None,
                   help="the state a partner speaks for, an ISO code such as DE (assessor and "
                        "mfa speak for NL)")
    p.add_argument("--sub", default="cli", help="who the token names (default: cli)")
    p.add_argument("--ttl", type=positive_seconds, default=12 * 3600,
                   help="seconds the token is valid, above 0 (default: 43200, twelve hours)")
    p = add("verify", cmd_verify, "check every stream's hash chain, and against the event log",
            "Recompute every stream's hash chain in every service's database, compare each "
            "database with the JetStream log (every published event stored, with the same hash "
            "at the same place; every stored event published or waiting in the outbox), and "
            "name the first broken link of each broken stream. An edited, inserted, reordered "
            "or deleted event is found; a deleted last event or whole stream only against the "
            "log.\n\n"
            "The log is read from the NATS of the `licensing up` running on the data dir, "
            "--nats, or LICENSING_NATS_URL; when none runs, from a copy of DATA_DIR/nats read "
            "by a nats-server of its own.\n\n"
            "Exits 1 when a link is broken, else 2 when a database (or the log) could not be "
            "read, else 0.")
    p.add_argument("--service", action="append", choices=SERVICES,
                   help="check only this service, repeatable (default: all four)")
    p.add_argument("--nats", default=None,
                   help="the NATS URL to read the log from (default: the running `licensing "
                        "up`'s, LICENSING_NATS_URL, else a copy of the data dir's store)")
    p.add_argument("--no-log", action="store_true",
                   help="check the hash chains only, not against the log")
    add("status", cmd_status, "health, consumer lag, dead letters and restarts of every service",
        "Health, outbox, consumer lag and dead letters of every service. When a `licensing up` "
        "runs on the data dir, every process it supervises (NATS, each replica) with its "
        "restarts and how it last stopped, from DATA_DIR/up.json; otherwise each service at "
        "its URL (LICENSING_<SERVICE>_URL, else 127.0.0.1 on LICENSING_<SERVICE>_PORT). Exits 1 "
        "when any is down.")
    for extra in _extensions():
        extra(sub)
    return parser


def _extensions() -> list[Callable[[argparse._SubParsersAction], None]]:  # type: ignore[type-arg]
    """Subcommands defined in their own modules (cases, reports, demo, erase, sanctions)."""
    from licensing import cases_cli, erase_cli, report_cli, sanctions_cli

    return [cases_cli.register, report_cli.register, erase_cli.register, sanctions_cli.register]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `licensing` command."""
    args = build_parser().parse_args(argv)
    return int(args.func(args))
