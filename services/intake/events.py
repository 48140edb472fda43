"""Events the intake service records. Type names are stable strings, never Python paths."""

APPLICATION_SUBMITTED = "ApplicationSubmitted"
