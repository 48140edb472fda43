"""Reporting's pure core: facts evolved from events, and the annual report built over them."""

from services.reporting.domain.facts import Facts, evolve, fact_updates, merge_part
from services.reporting.domain.report import build_report

__all__ = ["Facts", "build_report", "evolve", "fact_updates", "merge_part"]
