"""Scores name pairs with nomenklatura's logic-v2; run by bench_matching in nomenklatura's venv.

Reads {"pairs": [[a, b], ...]} as JSON on stdin, writes {"version", "scores", "seconds"}: one
score (0..1) and one time per pair. Imports nothing of the project (its venv has none of it).
"""

from __future__ import annotations

import json
import sys
import time
from importlib.metadata import version


def main() -> None:
    """Score every pair, each on two fresh entities of schema Company."""
    from followthemoney import model
    from nomenklatura.matching import get_algorithm

    algorithm = get_algorithm("logic-v2")
    if algorithm is None:
        raise SystemExit("nomenklatura has no logic-v2")
    config = algorithm.default_config()
    pairs = json.load(sys.stdin)["pairs"]
    scores, seconds = [], []
    for i, (a, b) in enumerate(pairs):
        # Fresh ids per pair: nomenklatura caches what it reads of a name by entity id.
        query, result = model.make_entity("Company"), model.make_entity("Company")
        query.id, result.id = f"q{i}", f"r{i}"
        query.add("name", a)
        result.add("name", b)
        t0 = time.perf_counter()
        scores.append(float(algorithm.compare(query, result, config).score))
        seconds.append(time.perf_counter() - t0)
    json.dump({"version": version("nomenklatura"), "scores": scores, "seconds": seconds},
              sys.stdout)


if __name__ == "__main__":
    main()
