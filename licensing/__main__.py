"""`python -m licensing` is the `licensing` command."""

from licensing.cli import main

raise SystemExit(main())
