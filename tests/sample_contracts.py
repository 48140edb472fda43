"""Event contracts of the made-up producers the mechanism tests use (`test`, `producer`)."""

from __future__ import annotations

from typing import Any

from shared.contracts import Payload, contract

_test_event = contract("test")
_producer_event = contract("producer")


class _Named(Payload):
    n: int | str | None = None


def _named(event_type: str) -> type[Payload]:
    model = type(event_type, (_Named,), {"__doc__": f"A made-up event {event_type}."})
    return _test_event(event_type)(model)


SIMPLE = {name: _named(name) for name in ("A", "B", "C", *(f"B{i}" for i in range(5)),
                                          "Counted")}


@_producer_event("Counted")
class Counted(Payload):
    """A numbered event a counting consumer counts."""

    n: int


@_producer_event("Measured", version=2)
class Measured(Payload):
    """An event whose version 1 held `metres`; version 2 holds `millimetres`."""

    millimetres: int

    @staticmethod
    def upcast_v1_v2(old: dict[str, Any]) -> dict[str, Any]:
        """Version 1 counted whole metres."""
        return {"millimetres": int(old["metres"]) * 1000}
