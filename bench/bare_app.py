"""The reference endpoints: bare FastAPI committing one SQLite insert per request.

`POST /v1/applications` validates the body as intake's contract does (the peer: a minimal app
with the same validation); `POST /v1/raw` stores the body unread (the limit).

Run as `uvicorn bench.bare_app:app`; BENCH_BARE_DB names the SQLite file (WAL, synchronous=FULL).
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import uuid
from typing import Annotated, Literal

from fastapi import FastAPI, Header, Request
from pydantic import BaseModel, ConfigDict, Field


class Party(BaseModel):
    """A named party in a country."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=300)
    country: str = Field(pattern=r"^[A-Z]{2}$")
    type: Literal["armed_forces", "government", "company", "private"] | None = None


class Applicant(BaseModel):
    """The exporter."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=300)
    eori: str = Field(min_length=1, max_length=300)


class Line(BaseModel):
    """One goods line."""

    model_config = ConfigDict(extra="forbid")
    description: str = Field(min_length=1, max_length=300)
    rating: str | None = Field(default=None, max_length=40)
    quantity: int = Field(ge=1, le=10**12)
    value_eur: str = Field(pattern=r"^\d{1,13}(\.\d{1,2})?$")


class Body(BaseModel):
    """The application body of the contract."""

    model_config = ConfigDict(extra="forbid")
    reference: str = Field(min_length=1, max_length=300)
    regime: Literal["military", "dual_use", "anti_torture"]
    transaction: Literal["export", "transfer", "transit", "brokering"]
    licence_type: Literal["individual", "global"]
    applicant: Applicant
    destinations: list[str] = Field(min_length=1)
    end_user: Party
    end_use: str = Field(min_length=1, max_length=2000)
    goods: list[Line] = Field(min_length=1)


app = FastAPI()
_lock = threading.Lock()
_conn: sqlite3.Connection | None = None


def _db() -> sqlite3.Connection:
    global _conn
    if _conn is None:
        _conn = sqlite3.connect(os.environ.get("BENCH_BARE_DB", "bare.db"),
                                check_same_thread=False, isolation_level=None)
        _conn.execute("PRAGMA journal_mode=WAL")
        _conn.execute("PRAGMA synchronous=FULL")
        _conn.execute("CREATE TABLE IF NOT EXISTS applications (id TEXT PRIMARY KEY, "
                      "idempotency_key TEXT UNIQUE, body TEXT)")
    return _conn


@app.post("/v1/applications", status_code=201)
def submit(body: Body, idempotency_key: Annotated[str, Header()]) -> dict[str, str]:
    """Validate, insert, commit (and fsync), answer."""
    app_id = str(uuid.uuid4())
    with _lock:
        db = _db()
        db.execute("BEGIN")
        db.execute("INSERT INTO applications VALUES (?, ?, ?)",
                   (app_id, idempotency_key, json.dumps(body.model_dump())))
        db.execute("COMMIT")
    return {"id": app_id}


@app.post("/v1/raw", status_code=201)
async def submit_raw(request: Request) -> dict[str, str]:
    """The limit: the body stored as it came, unvalidated, one insert and commit each."""
    app_id = str(uuid.uuid4())
    data = await request.body()
    with _lock:
        db = _db()
        db.execute("BEGIN")
        db.execute("INSERT INTO applications VALUES (?, ?, ?)",
                   (app_id, request.headers.get("idempotency-key"), data))
        db.execute("COMMIT")
    return {"id": app_id}


@app.get("/health")
def health() -> dict[str, str]:
    """Alive."""
    return {"status": "ok"}
