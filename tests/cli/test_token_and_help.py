"""What a newcomer meets before any service runs: `licensing token`, bad options, `--help`."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest

from licensing.cli import build_parser
from shared.auth import ROLES, TokenVerifier


def licensing(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """`licensing ARGS` in `cwd` with no LICENSING_ setting but those given."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LICENSING_")}
    return subprocess.run([sys.executable, "-m", "licensing", *args], cwd=cwd,
                          env={**clean, **env}, capture_output=True, text=True, timeout=60)


def test_token_outside_the_project_makes_no_key_and_names_where_it_looked(
        tmp_path: Path) -> None:
    done = licensing("token", "--role", "customs", cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    assert f"no data dir at {tmp_path / 'var'}" in done.stderr
    assert "--data-dir" in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_token_makes_a_key_where_told_and_the_services_accept_it(tmp_path: Path) -> None:
    data_dir = tmp_path / "fresh"
    done = licensing("token", "--role", "reporter", "--data-dir", str(data_dir), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "made a new signing key" in done.stderr
    key = (data_dir / "jwt.key").read_text().strip()
    who = TokenVerifier(secret=key).verify(done.stdout.strip())
    assert who.roles == ("reporter",) and who.sub == "cli"
    again = licensing("token", "--role", "admin", cwd=tmp_path, LICENSING_DATA_DIR=str(data_dir))
    assert again.returncode == 0 and again.stderr == ""
    assert TokenVerifier(secret=key).verify(again.stdout.strip()).roles == ("admin",)


@pytest.mark.parametrize("ttl", ["-5", "0", "soon"])
def test_a_token_must_live_a_while(tmp_path: Path, ttl: str) -> None:
    done = licensing("token", "--role", "customs", "--ttl", ttl, "--data-dir", str(tmp_path),
                     cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    assert "--ttl" in done.stderr and "Traceback" not in done.stderr


def test_a_partner_token_names_its_state(tmp_path: Path) -> None:
    done = licensing("token", "--role", "partner", "--data-dir", str(tmp_path), cwd=tmp_path)
    assert done.returncode == 2 and "--state" in done.stderr
    unknown = licensing("token", "--role", "boss", "--data-dir", str(tmp_path), cwd=tmp_path)
    assert unknown.returncode == 2 and "customs" in unknown.stderr


def test_a_report_into_a_missing_directory_says_so(tmp_path: Path) -> None:
    target = tmp_path / "that" / "does" / "not" / "exist" / "report.json"
    done = licensing("report", "2024", "-o", str(target), cwd=tmp_path)
    assert done.returncode == 2
    assert f"the directory {target.parent} does not exist" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_missing_database_is_an_error(tmp_path: Path) -> None:
    done = licensing("verify", "--data-dir", str(tmp_path / "wrong"), cwd=tmp_path)
    assert done.returncode != 0
    assert "no database" in done.stdout + done.stderr


def _commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
              ) -> list[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    found = [(path, parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                found += _commands(child, (*path, name))
    return found


def test_every_option_says_what_it_does_and_its_default() -> None:
    for path, parser in _commands(build_parser()):
        for action in parser._actions:
            if not action.option_strings or isinstance(action, argparse._HelpAction):
                continue
            where = f"licensing {' '.join(path)} {action.option_strings[-1]}"
            assert action.help, f"{where} has no help"
            if action.default not in (None, False) and not action.required:
                assert "default" in action.help, f"{where} does not name its default"


def _help(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "licensing", *args, "--help"],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return " ".join(done.stdout.split())


def test_help_lists_the_roles_and_the_report_tables() -> None:
    from services.reporting.domain.report import TABLES

    plain: list[tuple[str, ...]] = [(), ("token",)]
    for args in plain:
        assert all(role in _help(*args) for role in ROLES)
    report = _help("report")
    assert all(f" {table} " in f"{report} " for table in TABLES)
    assert "reporter or admin" in report
    assert "role admin" in _help("replay")
    for args in (("cases", "list"), ("cases", "decide"), ("notifications", "list")):
        assert "assessor or mfa" in _help(*args)
