"""BENCHMARKS.md: machine, date, command, and per benchmark its medians, ratios and targets."""

from __future__ import annotations

from pathlib import Path

from bench.common import Check, Section, _digits, fmt


def _verdict(check: Check) -> str:
    return "NOT RUN" if check.met is None else ("MET" if check.met else "MISSED")


def _target_rows(sections: list[Section], earlier: bool) -> list[str]:
    out = []
    for section in sections:
        number = section.title.split(".")[0]
        for check in section.checks:
            if check.earlier != earlier:
                continue
            ratio = f"{fmt(check.ratio, 2)}×" if check.ratio is not None else ""
            out.append(f"| {number} | {check.measured} | {check.reference} | {ratio} | "
                       f"{check.target} | {_verdict(check)} |")
        if not earlier:
            for note in section.notes:
                if note.startswith("NOT RUN"):
                    out.append(f"| {number} | | | | {note} | NOT RUN |")
    return out


def render(machine: dict[str, str], command: str, sections: list[Section],
           total_seconds: float, closing: str = "") -> str:
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
        "Each figure beside the limit or peer it is held against, both measured in this run "
        "(the section number names the benchmark below).",
        "",
        "| § | figure | limit / peer | ratio | target | |",
        "|---|---|---|---:|---|---|",
    ]
    out += _target_rows(sections, earlier=False)
    earlier = _target_rows(sections, earlier=True)
    if earlier:
        out += ["", "Targets of earlier issues, kept for comparison:", "",
                "| § | figure | limit / peer | ratio | target | |",
                "|---|---|---|---:|---|---|", *earlier]
    for section in sections:
        out += ["", f"## {section.title}", ""]
        if section.load:
            out += [f"Load average (1, 5, 15 min) {section.load}.", ""]
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
    if closing:
        out += ["", closing.strip()]
    return "\n".join(out) + "\n"


def write(path: Path, text: str) -> None:
    """Write the report."""
    path.write_text(text)
