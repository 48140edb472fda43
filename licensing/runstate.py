"""What `licensing up` is running, written under the data dir for `licensing status` to read.

`up.json` names every process `licensing up` supervises (NATS, each service and each replica):
its URL, pid, state, how often it was restarted and why it last stopped. It is rewritten (aside
and renamed into place, so a reader never sees half of it) whenever any of that changes.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

STATE_FILE = "up.json"


@dataclass
class ProcessState:
    """One supervised process."""

    name: str  # "nats", "intake", "assessment#2"
    service: str | None  # None for NATS
    replica: int
    url: str
    pid: int | None = None
    state: str = "starting"  # starting, running, restarting, stopped
    restarts: int = 0
    last_exit: str | None = None
    last_exit_at: str | None = None


@dataclass
class RunState:
    """Everything one `licensing up` runs."""

    pid: int
    data_dir: str
    nats_url: str
    state: str = "starting"  # starting, running, stopped, gave up
    reason: str | None = None
    processes: list[ProcessState] = field(default_factory=list)

    def write(self, data_dir: Path) -> None:
        """Replace the state file with this state."""
        target = data_dir / STATE_FILE
        draft = data_dir / f".{STATE_FILE}.{os.getpid()}"
        draft.write_text(json.dumps(asdict(self), indent=2))
        os.replace(draft, target)

    @property
    def alive(self) -> bool:
        """Whether the `licensing up` that wrote this still runs."""
        return self.state not in ("stopped", "gave up") and pid_alive(self.pid)


def read_state(data_dir: Path) -> RunState | None:
    """The state `licensing up` left in a data dir, or None when there is none to read."""
    try:
        raw: dict[str, Any] = json.loads((data_dir / STATE_FILE).read_text())
        processes = [ProcessState(**p) for p in raw.pop("processes", [])]
        return RunState(**raw, processes=processes)
    except (OSError, ValueError, TypeError):
        return None


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
