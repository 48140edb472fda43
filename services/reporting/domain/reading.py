"""Reading a stored message through its contract: an event the report may use, or why not.

The live consumer admits exactly the messages whose body is an envelope and whose payload its
contract reads (an older version upcast to the newest); the rest are dead letters. A rebuild and
the lifecycle view apply the same test to what they read back from the log, so that a rebuild
folds the very events the live projection folded, and a message no one can read is skipped and
named instead of stopping the reading.
"""

from __future__ import annotations

from pydantic import ValidationError

from shared.contracts import REGISTRY, UnusableEvent
from shared.envelope import Envelope


def read_envelope(data: bytes) -> Envelope:
    """The envelope of a stored message once its contract reads its payload (the stored form,
    not upcast); UnusableEvent says why it cannot be read."""
    try:
        envelope = Envelope.parse(data)
    except (ValidationError, ValueError) as exc:
        raise UnusableEvent(f"not an event envelope: {_first_error(exc)}") from exc
    REGISTRY.read(envelope.source, envelope.type, envelope.version, envelope.payload)
    return envelope


def _first_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError) and exc.errors():
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"])
        return f"{where}: {error['msg']}" if where else str(error["msg"])
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
