"""Intake's migrations over a database of the first revision holding a licence (that they build
the declared tables is tests/shared/test_migrations.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import text

from shared.db.engine import make_engine
from tests.harness import upgrade_to


async def test_a_licence_of_the_first_revision_keeps_its_row_and_has_no_exporter(
    db_url: str,
) -> None:
    async def a_licence(conn: Any) -> None:
        await conn.execute(text(
            "INSERT INTO licences (licence_number, application_id, regime, destinations, "
            "value_eur, used_eur, valid_from, valid_until, status, suspensions, document, "
            "version) VALUES ('NL-1', 'a1', 'military', '[\"NO\"]', '10.00', '0.00', "
            ":day, :day, 'active', '[]', '{}', 1)"), {"day": dt.date(2024, 1, 1)})

    await upgrade_to("intake", db_url, "0001", a_licence)
    engine = make_engine(db_url)
    try:
        async with engine.connect() as conn:
            row = (await conn.execute(text(
                "SELECT licence_number, exporter_eori FROM licences"))).one()
    finally:
        await engine.dispose()
    assert tuple(row) == ("NL-1", None)
