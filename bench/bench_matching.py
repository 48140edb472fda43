"""Benchmark: entity resolution on the labelled name pairs, ours beside nomenklatura's logic-v2.

Reads tests/denials/evaluation/pairs.json and judges every pair with the denials matcher and,
in the same run, with nomenklatura's `logic-v2` (OpenSanctions' default algorithm) at its
default match threshold and at the threshold that suits it best on these pairs. Prints recall
of the must-match pairs (pairs that need a translation apart), the rate of false matches among
the must-not pairs, precision, and the time per pair. nomenklatura runs in a venv of its own,
made on first use from bench/nomenklatura-requirements.txt (wheels only; see there why it is
no dependency of the project). Run: `.venv/bin/python -m bench.bench_matching`. Not a test.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import venv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import ROOT, Section
from services.denials.matching import MATCHER_VERSION, explain_match, prepare

PAIRS = ROOT / "tests" / "denials" / "evaluation" / "pairs.json"
REQUIREMENTS = ROOT / "bench" / "nomenklatura-requirements.txt"
SCORER = ROOT / "bench" / "nomenklatura_logic_v2.py"
NK_VENV = ROOT / "var" / "bench" / "nomenklatura"
# yente's default SCORE_THRESHOLD: the score from which OpenSanctions' API calls a result a match.
LOGIC_V2_THRESHOLD = 0.7
RECALL_TARGET = 0.95
FALSE_MATCH_TARGET = 0.02


@dataclass(frozen=True)
class Figures:
    """How one matcher judged the labelled pairs."""

    name: str
    recall: float  # of must-match pairs that need spelling, not translation
    translation_recall: float
    false_match_rate: float  # of must-not pairs
    precision: float  # of every pair called a match
    found: int
    must_match: int
    false_matches: int
    must_not: int
    p50_us: float
    p99_us: float
    missed: tuple[str, ...]
    wrong: tuple[str, ...]


def load_pairs(path: Path = PAIRS) -> list[dict[str, Any]]:
    """The labelled pairs."""
    return list(json.loads(path.read_text(encoding="utf-8"))["pairs"])


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1e6 if ordered else 0.0


def figures(name: str, pairs: list[dict[str, Any]], verdicts: list[bool],
            seconds: list[float]) -> Figures:
    """Recall, false matches and precision of one matcher's verdicts on the pairs."""
    spelling = [(p, v) for p, v in zip(pairs, verdicts, strict=True)
                if p["match"] and not p["translation"]]
    translated = [(p, v) for p, v in zip(pairs, verdicts, strict=True)
                  if p["match"] and p["translation"]]
    must_not = [(p, v) for p, v in zip(pairs, verdicts, strict=True) if not p["match"]]
    found = sum(v for _, v in spelling)
    false = sum(v for _, v in must_not)
    called = sum(verdicts)
    true = found + sum(v for _, v in translated)
    return Figures(
        name=name, recall=found / len(spelling),
        translation_recall=sum(v for _, v in translated) / max(1, len(translated)),
        false_match_rate=false / len(must_not), precision=true / called if called else 1.0,
        found=found, must_match=len(spelling), false_matches=false, must_not=len(must_not),
        p50_us=_pct(seconds, 0.5), p99_us=_pct(seconds, 0.99),
        missed=tuple(f"{p['a']} | {p['b']}" for p, v in spelling if not v),
        wrong=tuple(f"{p['a']} | {p['b']}" for p, v in must_not if v))


def ours(pairs: list[dict[str, Any]]) -> Figures:
    """The denials matcher: both names prepared and compared, timed per pair."""
    verdicts, seconds = [], []
    explain_match(prepare("warm up"), prepare("the tables"))  # read once, as a service does
    for p in pairs:
        t0 = time.perf_counter()
        found = explain_match(prepare(p["a"]), prepare(p["b"]))
        seconds.append(time.perf_counter() - t0)
        verdicts.append(found is not None)
    return figures(f"denials matcher ({MATCHER_VERSION})", pairs, verdicts, seconds)


def _nk_python() -> Path:
    """nomenklatura's venv, made on first use; its Python."""
    python = NK_VENV / "bin" / "python"
    stamp = NK_VENV / ".installed"
    if stamp.exists() and stamp.read_text() == REQUIREMENTS.read_text():
        return python
    venv.create(NK_VENV, with_pip=True, clear=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--only-binary", ":all:",
                    "--no-deps", "-r", str(REQUIREMENTS)], check=True, timeout=900)
    stamp.write_text(REQUIREMENTS.read_text())
    return python


def logic_v2_scores(pairs: list[dict[str, Any]]) -> tuple[str, list[float], list[float]]:
    """nomenklatura's version, and its logic-v2 score and time for every pair."""
    out = subprocess.run(
        [str(_nk_python()), str(SCORER)], input=json.dumps(
            {"pairs": [[p["a"], p["b"]] for p in pairs]}), capture_output=True, text=True,
        check=True, timeout=900)
    data = json.loads(out.stdout)
    return data["version"], data["scores"], data["seconds"]


def best_threshold(pairs: list[dict[str, Any]], scores: list[float]) -> float:
    """The threshold at which logic-v2 finds most must-match pairs within the false-match target
    (or, if none keeps within it, with fewest false matches)."""
    best: tuple[tuple[int, float], float] | None = None
    for t in sorted({round(s, 3) for s in scores} | {LOGIC_V2_THRESHOLD}):
        f = figures("", pairs, [s >= t for s in scores], [])
        key = ((1, f.recall) if f.false_match_rate <= FALSE_MATCH_TARGET
               else (0, -f.false_match_rate))
        if best is None or key > best[0]:
            best = (key, t)
    assert best is not None
    return best[1]


def table(rows: list[Figures]) -> str:
    """The figures, one matcher a line."""
    lines = [f"{'matcher':<58} {'recall':>7} {'transl.':>7} {'false':>6} {'precision':>9} "
             f"{'p50 us':>7} {'p99 us':>7}"]
    for f in rows:
        lines.append(f"{f.name[:58]:<58} {f.recall:>7.1%} {f.translation_recall:>7.1%} "
                     f"{f.false_match_rate:>6.1%} {f.precision:>9.1%} {f.p50_us:>7.0f} "
                     f"{f.p99_us:>7.0f}")
    return "\n".join(lines)


def measure() -> tuple[list[dict[str, Any]], Figures, list[Figures], str | None]:
    """Judge the pairs with both matchers; the reason logic-v2 could not run, if it could not."""
    pairs = load_pairs()
    mine = ours(pairs)
    theirs: list[Figures] = []
    why_not = None
    try:
        nk_version, scores, seconds = logic_v2_scores(pairs)
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        why_not = f"{type(exc).__name__}: {exc}"
    else:
        theirs.append(figures(f"nomenklatura {nk_version} logic-v2 >= {LOGIC_V2_THRESHOLD}",
                              pairs, [s >= LOGIC_V2_THRESHOLD for s in scores], seconds))
        t = best_threshold(pairs, scores)
        if t != LOGIC_V2_THRESHOLD:
            theirs.append(figures(f"nomenklatura {nk_version} logic-v2 >= {t} (its best here)",
                                  pairs, [s >= t for s in scores], seconds))
    return pairs, mine, theirs, why_not


def judge(section: Section, mine: Figures, theirs: list[Figures]) -> None:
    """The targets of issue 15, MET or MISSED, into a bench section."""
    section.check(f"recall >= {RECALL_TARGET:.0%} of must-match pairs (translation apart)",
                  f"{mine.recall:.1%} ({mine.found}/{mine.must_match})",
                  mine.recall >= RECALL_TARGET)
    section.check(f"false matches <= {FALSE_MATCH_TARGET:.0%} of must-not pairs",
                  f"{mine.false_match_rate:.1%} ({mine.false_matches}/{mine.must_not})",
                  mine.false_match_rate <= FALSE_MATCH_TARGET)
    for other in theirs:
        section.check(f"recall ahead of {other.name}",
                      f"{mine.recall:.1%} vs {other.recall:.1%}", mine.recall > other.recall)
        section.check(f"fewer false matches than {other.name}",
                      f"{mine.false_match_rate:.1%} vs {other.false_match_rate:.1%}",
                      mine.false_match_rate < other.false_match_rate
                      or (mine.false_match_rate == other.false_match_rate == 0.0))
    if not theirs:
        section.check("ahead of nomenklatura logic-v2", "logic-v2 did not run", None)


def report(pairs: list[dict[str, Any]], mine: Figures, theirs: list[Figures],
           why_not: str | None) -> str:
    """The printed report: the table, then what each matcher missed or matched wrongly."""
    langs = sorted({p["lang"] for p in pairs})
    scripts = sorted({s for p in pairs for s in p["scripts"]})
    head = (f"{len(pairs)} labelled pairs ({mine.must_match} must-match by spelling, "
            f"{sum(p['translation'] for p in pairs)} by translation, {mine.must_not} must-not), "
            f"{len(langs)} languages, {len(scripts)} scripts ({', '.join(scripts)})")
    parts = [head, "", table([mine, *theirs])]
    if why_not:
        parts += ["", f"logic-v2 NOT RUN: {why_not}"]
    for f in (mine, *theirs):
        parts += ["", f"{f.name}: missed {len(f.missed)}, false matches {len(f.wrong)}"]
        parts += [f"  missed: {m}" for m in f.missed[:15]]
        parts += [f"  false:  {w}" for w in f.wrong[:15]]
    return "\n".join(parts)


def run(section: Section, quick: bool = False) -> None:
    """The section of `python -m bench`: the table and the checks (`quick` changes nothing)."""
    pairs, mine, theirs, why_not = measure()
    text = report(pairs, mine, theirs, why_not)
    print(text, flush=True)
    if why_not:
        section.not_run("nomenklatura logic-v2", why_not)
    section.extra = ("Output of `python -m bench.bench_matching`:\n\n```\n" + text + "\n```")
    judge(section, mine, theirs)


def main() -> None:
    """Print the report; exit 1 when a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the same (the set is small)")
    parser.parse_args()
    section = Section("Entity resolution")
    run(section)
    print()
    for check in section.checks:
        verdict = {True: "MET", False: "MISSED", None: "NOT JUDGED"}[check.met]
        print(f"{verdict:>10}  {check.target}: {check.measured}")
    sys.exit(0 if all(c.met is not False for c in section.checks) else 1)


if __name__ == "__main__":
    main()
