"""The name index: every denial filed under the keys of its names, per destination and family.

Files the denials already registered, with the matcher of the code running this migration, and
records which index version that was; screening compares every candidate while it differs.

Revision ID: 0002
Revises: 0001
"""

import json

import sqlalchemy as sa
from alembic import op

from services.denials.matching import NAME_INDEX_VERSION, PreparedName, filing_keys

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_BATCH = 2000

_denials = sa.table("denials", sa.column("id", sa.String), sa.column("destination", sa.String),
                    sa.column("names", sa.Text))
_keys = sa.table("denial_keys", sa.column("denial_id", sa.String),
                 sa.column("rating_key", sa.String))
_registry = sa.table("registry", sa.column("id", sa.Integer),
                     sa.column("name_index", sa.String))


def upgrade() -> None:
    names = op.create_table(
        "denial_names",
        sa.Column("destination", sa.String(2), primary_key=True),
        sa.Column("rating_key", sa.String(60), primary_key=True),
        sa.Column("name_key", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("denial_id", sa.String(36), primary_key=True),
        sqlite_with_rowid=False,
    )
    op.add_column("registry", sa.Column("name_index", sa.String(20), nullable=True))
    bind = op.get_bind()
    last = ""
    while True:
        page = bind.execute(sa.select(_denials.c.id, _denials.c.destination, _denials.c.names)
                            .where(_denials.c.id > last).order_by(_denials.c.id)
                            .limit(_BATCH)).all()
        if not page:
            break
        last = page[-1].id
        families: dict[str, list[str]] = {}
        for denial_id, family in bind.execute(
                sa.select(_keys.c.denial_id, _keys.c.rating_key)
                .where(_keys.c.denial_id.in_([r.id for r in page]))):
            families.setdefault(denial_id, []).append(family)
        rows = []
        for row in page:
            cached = json.loads(row.names)
            consignee = cached.get("consignee")
            keys = filing_keys(PreparedName.from_json(cached["end_user"]),
                               PreparedName.from_json(consignee) if consignee else None)
            rows += [{"destination": row.destination, "rating_key": family, "name_key": key,
                      "denial_id": row.id}
                     for family in families.get(row.id, []) for key in sorted(keys)]
        if rows:
            op.bulk_insert(names, rows)
    bind.execute(sa.update(_registry).where(_registry.c.id == 1)
                 .values(name_index=NAME_INDEX_VERSION))
    if bind.dialect.name == "postgresql":
        # Fresh statistics, so the planner uses the name key at once rather than after
        # autovacuum has come round to a freshly filled table.
        op.execute("ANALYZE denial_names")


def downgrade() -> None:
    op.drop_column("registry", "name_index")
    op.drop_table("denial_names")
