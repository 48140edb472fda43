"""BENCHMARKS.md: machine, date, command, and per benchmark its medians, ratios and targets."""

from __future__ import annotations

from pathlib import Path

from bench.common import Section, fmt


def _digits(unit: str) -> int:
    return 1 if unit in ("ms", "MB") else 0


def render(machine: dict[str, str], command: str, sections: list[Section],
           total_seconds: float) -> str:
    """The whole report as Markdown."""
    out = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`python -m bench`); every figure is a ratio against a limit or "
        "a peer measured in the same run, because the machines are shared and noisy. Nothing "
        "here is asserted by a test.",
        "",
        f"- **Date**: {machine['date']}",
        f"- **Command**: `{command}` ({total_seconds / 60:.1f} minutes)",
        f"- **Machine**: {machine['cpus']} CPUs ({machine['cpu']}), {machine['memory']} memory, "
        f"Python {machine['python']}, {machine['platform']}",
        "",
        "## Targets",
        "",
        "| benchmark | target | measured | |",
        "|---|---|---|---|",
    ]
    for section in sections:
        for check in section.checks:
            verdict = "NOT RUN" if check.met is None else ("MET" if check.met else "MISSED")
            out.append(f"| {section.title} | {check.target} | {check.measured} | {verdict} |")
        for note in section.notes:
            if note.startswith("NOT RUN"):
                out.append(f"| {section.title} | | | {note} |")
    for section in sections:
        out += ["", f"## {section.title}", ""]
        if section.rows:
            out += ["| measure | median | unit | runs | note |", "|---|---:|---|---|---|"]
            for row in section.rows:
                d = _digits(row.unit)
                runs = ", ".join(fmt(v, d) for v in row.runs)
                out.append(f"| {row.name} | {fmt(row.value, d)} | {row.unit} | {runs} | "
                           f"{row.note} |")
        if section.ratios:
            out += ["", "| ratio | value |", "|---|---:|"]
            for name, value in section.ratios:
                out.append(f"| {name} | {fmt(value, 3)} |")
        if section.notes:
            out.append("")
            out += [f"- {note}" for note in section.notes]
        if section.extra:
            out += ["", section.extra]
        out += ["", f"_took {section.seconds:.0f} s_"]
    return "\n".join(out) + "\n"


def write(path: Path, text: str) -> None:
    """Write the report."""
    path.write_text(text)
