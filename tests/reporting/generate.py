"""A generated history of a few years of licensing: every kind of event the report reads."""

from __future__ import annotations

import random

from tests.reporting.history import History

COUNTRIES = ("US", "DE", "FR", "GB", "NO", "IN", "SA", "AE", "UA", "JP", "KR", "BR", "CN",
             "TR", "CY", "SE", "AU", "EG", "ID", "ZA")
ML = ("ML1", "ML2", "ML3a", "ML4b", "ML5", "ML6", "ML10c", "ML11", "ML13", "ML15", "ML22")
DU = ("3A001", "5A002.a", "1C350", "9A101", "2B910")


def _money(rng: random.Random, low: int, high: int) -> str:
    return f"{rng.randint(low, high)}.{rng.randint(0, 99):02d}"


def generate(seed: int, applications: int = 600) -> History:
    """About five events per application, with shipments, realisations and consultations."""
    rng = random.Random(seed)
    h = History()
    issued: list[tuple[str, str]] = []
    for _ in range(applications):
        regime = rng.choices(("military", "dual_use", "anti_torture"), (6, 3, 1))[0]
        year = rng.choice((2022, 2023, 2024, 2024))
        decided_at = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T" \
                     f"{rng.randint(0, 23):02d}:30:00+00:00"
        transaction = rng.choices(("export", "transfer", "transit", "brokering"), (8, 3, 1, 1))[0]
        if regime != "military" and transaction in ("transit", "brokering"):
            transaction = "export"
        n_dest = rng.choices((1, 2, 3), (8, 1, 1))[0]
        destinations = tuple(rng.sample(COUNTRIES, n_dest))
        group = rng.choice(("EU", "EU_NATO_PLUS")) if rng.random() < 0.05 else None
        if regime == "military":
            ratings = ML
        elif regime == "dual_use":
            ratings = DU
        else:
            ratings = ("III.1", "III.2.1", "IV.1")
        goods = tuple((rng.choice(ratings), _money(rng, 1_000, 5_000_000))
                      for _ in range(rng.choice((1, 1, 2, 3))))
        amends = None
        if issued and rng.random() < 0.06:
            number, amended_regime = rng.choice(issued)
            if amended_regime == regime:
                amends = {"licence_number": number,
                          "kind": rng.choice(("extension", "replacement"))}
        app = h.submit(
            regime=regime, transaction=transaction,
            procedure="sondage" if rng.random() < 0.05 else "licence",
            licence_type=rng.choice(("individual", "individual", "global")),
            purpose=rng.choices(("definitive", "temporary", "return_after_repair"), (9, 1, 1))[0],
            destinations=destinations, destination_group=group,
            origins=(rng.choice(COUNTRIES),) if transaction in ("transit", "brokering") else (),
            goods=goods, amends=amends, catch_all=regime == "dual_use" and rng.random() < 0.1,
            service_value_eur=_money(rng, 0, 50_000) if transaction == "brokering" else None,
            complete_system=rng.random() < 0.05,
        )
        if rng.random() < 0.05:
            h.emit("ApplicationWithdrawn", app, {"application_id": app, "reason": "withdrawn"})
            continue
        denied = rng.random() < 0.12
        number = h.decide(app, "denied" if denied else "approved", decided_at=decided_at,
                          criteria=tuple(sorted(rng.sample(range(1, 9), 2))) if denied else ())
        if number:
            issued.append((number, regime))
            for _ in range(rng.choice((0, 0, 1, 2))):
                h.ship(number, country=destinations[0], value_eur=_money(rng, 1, 1000),
                       shipped_on=f"{year}-{rng.randint(1, 12):02d}-15", regime=regime)
            if regime == "military" and rng.random() < 0.03:
                h.fast_track(number, value_eur="3000000.00", decided_on=decided_at[:10],
                             sent_on=f"{decided_at[:8]}28" if rng.random() < 0.5 else None)
        if rng.random() < 0.3:
            code = rng.choice(("NL003", "NL004", "NL006", "NL008", "EU001", "NL900"))
            dual = code.startswith("EU") or code == "NL900"
            h.realise(code, country=rng.choice(COUNTRIES), value_eur=_money(rng, 1, 90_000),
                      period=rng.choice((f"{year}", f"{year}-Q{rng.randint(1, 4)}")),
                      direction="transit" if code == "NL008" else "export",
                      ratings=(rng.choice(DU if dual else ML),), flagged=rng.random() < 0.1,
                      regime="dual_use" if dual else "military")
        if rng.random() < 0.02:
            h.consultation(consulting=rng.choice(("NL", "DE")), denying=rng.choice(("NL", "FR")),
                           opened_at=decided_at)
    return h
