"""Assessment's migrations over a database of the first revision holding cases (that they
build the declared tables is tests/shared/test_migrations.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import text

from shared.db.engine import make_engine
from tests.harness import upgrade_to


async def test_cases_of_the_first_revision_go_after_the_accelerated_ones(db_url: str) -> None:
    async def a_case(conn: Any) -> None:
        await conn.execute(text(
            "INSERT INTO cases (id, application_id, reference, queue, status, "
            "screening_status, opened_at, document, version) VALUES ('c1', 'c1', 'R', "
            "'mfa', 'open', 'pending', :opened, '{}', 3)"),
            {"opened": dt.datetime(2024, 5, 2, 9, 30, tzinfo=dt.UTC)})

    await upgrade_to("assessment", db_url, "0001", a_case)
    engine = make_engine(db_url)
    try:
        async with engine.connect() as conn:
            row = (await conn.execute(text("SELECT accelerated, queue_order FROM cases"))).one()
    finally:
        await engine.dispose()
    assert not row.accelerated and row.queue_order == "1|2024-05-02T09:30:00.000000"
