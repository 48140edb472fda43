"""The `licensing` command: run the system, mint tokens, verify the logs, work cases."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

SERVICES = ("intake", "assessment", "denials", "reporting")


def default_data_dir() -> Path:
    """LICENSING_DATA_DIR, or ./var."""
    return Path(os.environ.get("LICENSING_DATA_DIR", "var"))


def cmd_up(args: argparse.Namespace) -> int:
    """Start NATS and the four services in the foreground."""
    from licensing.up import run_up

    return run_up(args.data_dir)


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
    uvicorn.run(app, host=args.host, port=settings.http_port, log_level=args.log_level,
                log_config=None, access_log=False, timeout_graceful_shutdown=10)
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    """Print a bearer token the services started with the same data dir accept."""
    from shared.auth import ensure_key, issue_token

    secret = os.environ.get("LICENSING_JWT_SECRET") or ensure_key(args.data_dir)
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

    return asyncio.run(verify_all(args.data_dir))


def cmd_status(_args: argparse.Namespace) -> int:
    """Health, consumer lag and dead letters of every service."""
    from licensing.status import run_status

    return run_status()


def build_parser() -> argparse.ArgumentParser:
    """The command-line grammar."""
    parser = argparse.ArgumentParser(prog="licensing", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, func: Callable[[argparse.Namespace], int], help_: str,
            data_dir: bool = True) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_, description=help_)
        if data_dir:
            p.add_argument("--data-dir", type=Path, default=default_data_dir())
        p.set_defaults(func=func)
        return p

    add("up", cmd_up, "start NATS and the four services on this machine")
    p = add("serve", cmd_serve, "run one service", data_dir=False)
    p.add_argument("service", choices=SERVICES)
    p.add_argument("--host", default=os.environ.get("LICENSING_HOST", "127.0.0.1"))
    p.add_argument("--log-level", default="info")
    p = add("token", cmd_token, "print a bearer token")
    p.add_argument("--role", action="append", required=True)
    p.add_argument("--state", default=None)
    p.add_argument("--sub", default="cli")
    p.add_argument("--ttl", type=int, default=12 * 3600, help="seconds the token is valid")
    add("verify", cmd_verify, "check every stream's hash chain")
    add("status", cmd_status, "health, consumer lag and dead letters of every service",
        data_dir=False)
    for extra in _extensions():
        extra(sub)
    return parser


def _extensions() -> list[Callable[[argparse._SubParsersAction], None]]:  # type: ignore[type-arg]
    """Subcommands defined in their own modules (client, reports, demo)."""
    found = []
    for module_name in ("licensing.cases_cli", "licensing.report_cli"):
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        found.append(module.register)
    return found


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `licensing` command."""
    args = build_parser().parse_args(argv)
    return int(args.func(args))
