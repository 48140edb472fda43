"""Assessment's command handlers: load -> decide -> append events + read models -> commit."""

from services.assessment.handlers.base import Context, NotFound, PreconditionFailed

__all__ = ["Context", "NotFound", "PreconditionFailed"]
