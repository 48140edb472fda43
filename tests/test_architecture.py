"""The rules the layout depends on: services never import each other, nothing runs at import."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ("intake", "assessment", "denials", "reporting")


DYNAMIC = ("import_module", "__import__")


def imports_of(path: Path) -> set[str]:
    """Every module a file imports, statically or by a string given to import_module."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Call) and _called(node) in DYNAMIC:
            found.add(_dynamic_target(node))
    return found


def _called(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _dynamic_target(call: ast.Call) -> str:
    """The module a dynamic import names; `<dynamic>` when it is built at run time."""
    arg = call.args[0] if call.args else None
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return arg.value
    if isinstance(arg, ast.JoinedStr):
        head = arg.values[0] if arg.values else None
        if isinstance(head, ast.Constant) and isinstance(head.value, str):
            return head.value.rstrip(".") or "<dynamic>"
    return "<dynamic>"


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_imports_no_other_service(service: str) -> None:
    others = {f"services.{s}" for s in SERVICES if s != service}
    for path in (ROOT / "services" / service).rglob("*.py"):
        bad = {m for m in imports_of(path) if any(m == o or m.startswith(o + ".")
                                                   for o in others)}
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def test_shared_imports_nothing_above_it() -> None:
    above = ("services", "licensing", "tests", "bench", "<dynamic>")
    for path in (ROOT / "shared").rglob("*.py"):
        bad = {m for m in imports_of(path) if m.split(".")[0] in above}
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def test_the_check_sees_dynamic_imports(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import importlib\nimportlib.import_module(f'services.{name}.app')\n"
                      "__import__('licensing.up')\nimportlib.import_module(name)\n")
    assert {"services", "licensing.up", "<dynamic>"} <= imports_of(sample)


def test_importing_every_module_creates_nothing(tmp_path: Path) -> None:
    modules = sorted(
        ".".join(p.relative_to(ROOT).with_suffix("").parts)
        for top in ("shared", "services", "licensing")
        for p in (ROOT / top).rglob("*.py")
        if "migrations" not in p.parts and p.name != "__main__.py"
    )
    script = "import importlib, threading\n" + "".join(
        f"importlib.import_module({m!r})\n" for m in modules
    ) + "assert threading.active_count() == 1, threading.enumerate()\n"
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path,
                            capture_output=True, text=True, env={"PYTHONPATH": str(ROOT),
                                                                 "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    assert list(tmp_path.iterdir()) == [], "importing created files"
