"""Names read by the second matcher: every denial's names prepared again and filed again.

The matcher of NORMALISER_VERSION 2 reads legal forms, abbreviations and connectors anywhere in
a name, acronyms and consonant skeletons, by the tables in services/denials/names: the names
cached with each denial and the name index keys of version 1 are stale. Prepares every denial's
names (aliases included) afresh from their raw text, rewrites the cache, files the index again,
and records the index version; until it has run, screening compares every denial for the
destination.

Revision ID: 0003
Revises: 0002
"""

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

from services.denials.matching import NAME_INDEX_VERSION, PreparedName, filing_keys, prepare
from shared.envelope import canonical_json

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_BATCH = 2000

_denials = sa.table("denials", sa.column("id", sa.String), sa.column("destination", sa.String),
                    sa.column("names", sa.Text))
_keys = sa.table("denial_keys", sa.column("denial_id", sa.String),
                 sa.column("rating_key", sa.String))
_names = sa.table("denial_names", sa.column("destination", sa.String),
                  sa.column("rating_key", sa.String), sa.column("name_key", sa.BigInteger),
                  sa.column("denial_id", sa.String))
_registry = sa.table("registry", sa.column("id", sa.Integer),
                     sa.column("name_index", sa.String))


def _again(cached: dict[str, Any] | None) -> PreparedName | None:
    # From the raw name, whatever the cached form's version: the tables may have changed.
    return None if not cached else prepare(str(cached.get("raw", "")))


def upgrade() -> None:
    bind = op.get_bind()
    last = ""
    while True:
        page = bind.execute(sa.select(_denials.c.id, _denials.c.destination, _denials.c.names)
                            .where(_denials.c.id > last).order_by(_denials.c.id)
                            .limit(_BATCH)).all()
        if not page:
            break
        last = page[-1].id
        ids = [r.id for r in page]
        families: dict[str, list[str]] = {}
        for denial_id, family in bind.execute(
                sa.select(_keys.c.denial_id, _keys.c.rating_key)
                .where(_keys.c.denial_id.in_(ids))):
            families.setdefault(denial_id, []).append(family)
        bind.execute(sa.delete(_names).where(_names.c.denial_id.in_(ids)))
        rows, cache = [], []
        for row in page:
            cached = json.loads(row.names)
            end_user, consignee = _again(cached.get("end_user")), _again(cached.get("consignee"))
            names: dict[str, object] = {"end_user": end_user.to_json() if end_user else None,
                                        "consignee": consignee.to_json() if consignee else None}
            aliases: list[PreparedName] = []
            for kind in ("end_user_aliases", "consignee_aliases"):
                again = [a for a in map(_again, cached.get(kind) or []) if a is not None]
                if again:
                    names[kind] = [a.to_json() for a in again]
                    aliases += again
            cache.append({"b_id": row.id, "b_names": canonical_json(names)})
            keys = filing_keys(end_user, consignee, *aliases)
            rows += [{"destination": row.destination, "rating_key": family, "name_key": key,
                      "denial_id": row.id}
                     for family in families.get(row.id, []) for key in sorted(keys)]
        bind.execute(sa.update(_denials).where(_denials.c.id == sa.bindparam("b_id"))
                     .values(names=sa.bindparam("b_names")), cache)
        if rows:
            op.bulk_insert(_names, rows)
    bind.execute(sa.update(_registry).where(_registry.c.id == 1)
                 .values(name_index=NAME_INDEX_VERSION))
    if bind.dialect.name == "postgresql":
        op.execute("ANALYZE denial_names")


def downgrade() -> None:
    # The first matcher's keys cannot be computed by this code: marking the index as of no
    # known matcher makes screening compare every denial until it is filed again.
    op.get_bind().execute(sa.update(_registry).where(_registry.c.id == 1)
                          .values(name_index=None))
