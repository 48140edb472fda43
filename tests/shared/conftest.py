"""The made-up event contracts of the mechanism tests are registered for every test here."""

import tests.sample_contracts  # noqa: F401 - registers the contracts of `test` and `producer`
