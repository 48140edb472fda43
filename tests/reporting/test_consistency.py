"""Internal consistency of generated reports: each value table adds up to the total."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from services.reporting.domain import build_report, evolve
from services.reporting.domain.facts import Facts
from shared.reference import load_reference
from tests.reporting.consistency_check import check_consistency
from tests.reporting.generate import generate

REF = load_reference()


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), year=st.sampled_from([2022, 2023, 2024]))
def test_every_generated_report_adds_up(seed: int, year: int) -> None:
    facts: Facts = {}
    for env in generate(seed, applications=80).dicts():
        evolve(facts, env)
    check_consistency(build_report(year, facts, REF))
