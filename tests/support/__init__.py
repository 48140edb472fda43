"""Reusable machinery for black-box system tests: real processes, a steady load, reconciliation.

- `tests.support.system`: start N `nats-server` nodes (clustered) and the four services as real
  processes (`python -m licensing serve SERVICE`) with given settings; stop, kill, pause,
  resume and restart any of them; find the stream leader; compare the nodes' stream state.
- `tests.support.load`: a steady load of applications posted to intake with Idempotency-Keys,
  retried with the same key on 503 and connection errors, and decided through assessment's API.
- `tests.support.reconcile`: wait for the system to settle, then reconcile the four services
  (applications accepted vs cases vs report counts vs event ids, `licensing verify`, dead
  letters), returning what was lost and what was doubled.
- `tests.support.fixtures`: pytest fixtures over the above (import them in a conftest).

Every process runs in its own process group and is killed when its System stops, when the test
fails, and (PR_SET_PDEATHSIG) when the test runner itself dies.
"""
