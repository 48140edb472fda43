"""`licensing demo`: drive a realistic synthetic year through the real HTTP APIs, then report.

It uses a running system when one answers at the service URLs (`LICENSING_<SERVICE>_URL`), or
starts its own with `licensing up` in a fresh data dir on free ports, and stops it afterwards.
Parts of the system that answer 404/405/422 are skipped and counted, never fatal.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from licensing.settings import cli_settings
from shared.auth import ensure_key, issue_token
from shared.topology import SERVICES, Topology

MILITARY = ("ML1", "ML2", "ML3a", "ML4b", "ML5", "ML6", "ML10c", "ML11", "ML13", "ML15", "ML22")
DUAL_USE = ("3A001", "5A002.a", "1C350", "9A101", "6A003")
ALLIES = ("US", "DE", "FR", "GB", "NO", "BE", "PL", "CA", "JP", "AU", "ES", "IT", "SE")
OTHERS = ("IN", "SA", "AE", "UA", "KR", "BR", "ID", "EG", "QA", "SG", "ZA", "MA", "TH")
# In the packaged registers: a certified recipient (NL004), an approved compliance programme.
CERTIFIED_RECIPIENT = {"name": "Nordwerk Wehrtechnik GmbH", "country": "DE"}
APPROVED_EXPORTER = {"name": "Acme Optics B.V.", "eori": "NL999999999"}
CIVIL = ("CN", "IN", "BR", "KR", "SG", "MX", "ZA", "TR", "US", "JP", "CA", "CH")


@dataclass
class Tally:
    """What went through and what was skipped, per step."""

    ok: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    first_error: dict[str, str] = field(default_factory=dict)

    def note(self, step: str, response: httpx.Response | None) -> bool:
        """Count a response; True when it succeeded."""
        if response is not None and response.status_code < 300:
            self.ok[step] += 1
            return True
        self.skipped[step] += 1
        if step not in self.first_error:
            self.first_error[step] = ("no answer" if response is None
                                      else f"{response.status_code} {response.text[:200]}")
        return False


def _with_programme(regime: str, licence_type: str, drawn: dict[str, str]) -> dict[str, str]:
    """The applicant: for a global dual-use licence one with an approved compliance programme
    (a prerequisite), else the one drawn."""
    return APPROVED_EXPORTER if regime == "dual_use" and licence_type == "global" else drawn


class Driver:
    """Talks to the four services as customs, assessors, the MFA and a partner state would."""

    def __init__(self, urls: dict[str, str], secret: str, *, year: int, seed: int) -> None:
        self.urls = urls
        self.rng = random.Random(seed)
        self.year = year
        self.tally = Tally()

        def client(service: str, *roles: str, state: str | None = None) -> httpx.Client:
            token = issue_token(secret, roles=roles, sub=f"demo-{roles[0]}", state=state)
            return httpx.Client(base_url=urls[service], timeout=30.0,
                                headers={"Authorization": f"Bearer {token}"})

        self.customs = client("intake", "customs")
        self.assessor = client("assessment", "assessor", "mfa")
        self.nl_denials = client("denials", "assessor", "mfa")
        self.partner = client("denials", "partner", state="DE")
        self.mfa = client("assessment", "mfa")
        self.reporter = client("reporting", "reporter", "admin")

    def call(self, step: str, client: httpx.Client, method: str, url: str,
             **kwargs: Any) -> dict[str, Any] | None:
        """One request; a failure is counted and gives None."""
        try:
            response = client.request(method, url, **kwargs)
        except httpx.HTTPError:
            self.tally.note(step, None)
            return None
        if self.tally.note(step, response):
            try:
                return response.json()  # type: ignore[no-any-return]
            except ValueError:
                return {}
        return None

    def moment(self, month: int, day: int, hour: int = 10) -> dt.datetime:
        """A business time in the demo year, spread over the part of it already past."""
        start = dt.datetime(self.year, 1, 1, 8, tzinfo=dt.UTC)
        end = min(dt.datetime(self.year, 12, 31, 18, tzinfo=dt.UTC),
                  dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10))
        fraction = ((month - 1) * 28 + min(day, 28) - 1 + hour / 24) / (12 * 28)
        return start + (end - start) * fraction

    # -- the year ------------------------------------------------------------------------------

    def application(self, n: int, **override: Any) -> dict[str, Any]:
        """A plausible application."""
        rng = self.rng
        regime = override.pop("regime", rng.choices(("military", "dual_use", "anti_torture"),
                                                    (6, 3, 1))[0])
        if regime == "military":
            transaction = rng.choices(("export", "transfer", "transit", "brokering"),
                                      (8, 3, 1, 1))[0]
        else:
            transaction = rng.choices(("export", "transfer"), (9, 1))[0]
        if transaction == "transfer":
            destinations = [rng.choice(("DE", "FR", "BE", "PL", "ES", "IT", "SE"))]
        elif regime == "dual_use":
            destinations = [rng.choice(CIVIL)]
        else:
            pool = ALLIES if rng.random() < 0.6 else OTHERS
            destinations = rng.sample(pool, rng.choices((1, 2, 3), (8, 1, 1))[0])
        licence_type = rng.choice(("individual", "individual", "global"))
        group = None
        if (regime == "military" and licence_type == "global" and transaction == "export"
                and rng.random() < 0.3):
            group = rng.choice(("EU", "EU_NATO_PLUS"))
            destinations = ["DE", "FR"]
        goods = []
        for _ in range(rng.choice((1, 1, 2, 3))):
            value = f"{rng.randint(5_000, 3_000_000)}.{rng.randint(0, 99):02d}"
            if regime == "military":
                goods.append({"description": "military equipment", "rating": rng.choice(MILITARY),
                              "quantity": rng.randint(1, 500), "value_eur": value})
            elif regime == "dual_use":
                goods.append({"description": "dual-use item", "rating": rng.choice(DUAL_USE),
                              "quantity": rng.randint(1, 500), "value_eur": value})
            else:
                annex = rng.choice(("III", "IV"))
                goods.append({"description": "riot control" if annex == "III" else "medicine",
                              "rating": "III.2.1" if annex == "III" else "IV.1", "annex": annex,
                              "quantity": rng.randint(1, 50), "value_eur": value})
        received = self.moment(rng.randint(1, 11), rng.randint(1, 28))
        body: dict[str, Any] = {
            "reference": f"DEMO-{self.year}-{n:05d}-{uuid.uuid4().hex[:6]}",
            "received_at": received.isoformat(), "regime": regime,
            "procedure": "sondage" if rng.random() < 0.04 else "licence",
            "transaction": transaction, "licence_type": licence_type,
            "purpose": rng.choices(("definitive", "temporary", "return_after_repair"),
                                   (10, 1, 1))[0],
            "catch_all": regime == "dual_use" and rng.random() < 0.08,
            "applicant": _with_programme(regime, licence_type, {
                "name": rng.choice(("Thales Nederland", "Damen Naval", "Fokker Techniek",
                                    "ASML", "Photonis", "Acme Optics")),
                "eori": f"NL{rng.randint(100000000, 999999999)}"}),
            "destinations": destinations, "destination_group": group,
            "end_user": {"name": f"Ministry of Defence {destinations[0]}",
                         "country": destinations[0], "type": "armed_forces"},
            "consignee": {"name": f"Consignee {destinations[0]}", "country": destinations[0]},
            "end_use": "riot control by police" if regime == "anti_torture" else "national defence",
            "goods": goods,
        }
        if transaction in ("transit", "brokering"):
            body["origins"] = [rng.choice(ALLIES)]
        if transaction == "brokering":
            body["service_value_eur"] = f"{rng.randint(0, 80_000)}.00"
        body.update(override)
        return body

    def submit(self, body: dict[str, Any]) -> dict[str, Any] | None:
        """Customs posts an application."""
        return self.call("applications submitted", self.customs, "POST", "/v1/applications",
                         json=body, headers={"Idempotency-Key": body["reference"]})

    def open_cases(self) -> list[dict[str, Any]]:
        """Every open case in both queues."""
        cases: list[dict[str, Any]] = []
        for queue in ("cdiu", "mfa"):
            cursor = None
            while True:
                params: dict[str, Any] = {"queue": queue, "status": "open", "limit": 200}
                if cursor:
                    params["cursor"] = cursor
                try:
                    page = self.assessor.get("/v1/cases", params=params).json()
                except (httpx.HTTPError, ValueError):
                    return cases
                cases.extend(page.get("items", []))
                cursor = page.get("next_cursor")
                if not cursor:
                    break
        return cases

    def wait_for_cases(self, ids: set[str], timeout: float = 60.0) -> list[dict[str, Any]]:
        """The open cases of these applications, once assessment has opened them."""
        deadline = time.monotonic() + timeout
        found: list[dict[str, Any]] = []
        while time.monotonic() < deadline:
            found = [c for c in self.open_cases() if c.get("application_id") in ids]
            if len(found) >= len(ids):
                break
            time.sleep(0.5)
        return found

    def consult(self, case: dict[str, Any], reference: str) -> None:
        """Consult the denying state for every matched denial, get its answer, grant anyway."""
        detail = self.call("cases read", self.assessor, "GET", f"/v1/cases/{case['id']}") or {}
        for match in detail.get("denial_matches") or []:
            opened = self.call("consultations opened", self.nl_denials, "POST",
                               "/v1/consultations", json={
                                   "denial_id": match["denial_id"], "application_ref": reference,
                                   "question": "Is this the transaction you denied?"})
            if not opened:
                continue
            self.call("consultations answered", self.partner, "POST",
                      f"/v1/consultations/{opened['id']}/reply",
                      json={"answer": "The end user differs in part; no objection.",
                            "note": "answered by the licensing authority of DE"})
            self.call("consultations closed", self.nl_denials, "POST",
                      f"/v1/consultations/{opened['id']}/outcome",
                      json={"decision": "granted", "reasons": "different end use; approved"})

    def decide_all(self, submitted: dict[str, dict[str, Any]]) -> None:
        """Assessors decide every case: mostly approvals, some denials with criteria."""
        cases = self.wait_for_cases(set(submitted))
        for case in cases:
            app = submitted[case["application_id"]]
            received = dt.datetime.fromisoformat(app["received_at"])
            decided = min(received + dt.timedelta(days=self.rng.randint(3, 40)),
                          self.moment(12, 28))
            deny = app["destinations"][0] in ("SA", "AE", "EG") and self.rng.random() < 0.5 \
                or self.rng.random() < 0.08
            if app.get("_consult"):
                self.consult(case, app["reference"])
                deny = False
            body: dict[str, Any] = {"outcome": "deny" if deny else "approve",
                                    "note": "demo decision", "decided_at": decided.isoformat()}
            if deny:
                criteria = sorted(self.rng.sample((1, 2, 3, 4, 6, 7), 2))
                # Anti-torture goods are refused on their annex's ground, not on criteria.
                if app["regime"] == "anti_torture":
                    annexes = {g.get("annex") for g in app["goods"]}
                    body["grounds"] = ["annex-iv-capital-punishment" if "IV" in annexes
                                       else "annex-iii-torture"]
                else:
                    body["criteria"] = criteria
            app["_decided_on"] = decided.date()
            # Assessment learns of screening results and consultation outcomes from the
            # log: a 409 may pass, so retry a while.
            deadline = time.monotonic() + (20 if app.get("_consult") else 10)
            while time.monotonic() < deadline:
                r = self.assessor.post(f"/v1/cases/{case['id']}/decision", json=body)
                if r.status_code != 409:
                    break
                time.sleep(0.5)
            self.tally.note("cases decided", r)

    def licences(self, ids: list[str]) -> list[tuple[dict[str, Any], str]]:
        """(application, licence number) of the approved ones."""
        out = []
        for app_id in ids:
            app = self.call("applications read", self.customs, "GET", f"/v1/applications/{app_id}")
            if app and app.get("licence_number"):
                out.append((app, app["licence_number"]))
        return out

    def run(self, applications: int) -> None:
        """The whole synthetic year."""
        rng = self.rng
        # A partner state denied a transaction that a Dutch exporter will later ask for.
        denial = self.call("partner denials", self.partner, "POST", "/v1/denials", json={
            "reference": f"DE-{self.year}-{uuid.uuid4().hex[:6]}",
            "denied_on": self.moment(1, 10).date().isoformat(), "regime": "military",
            "destination": "PK", "consignee": "Karachi Defence Supplies",
            "end_user": {"name": "Pakistan Ordnance Factories", "country": "PK"},
            "goods_description": "fire control radar", "rating": "ML5", "quantity": 4,
            "criteria": [4, 7]})
        submitted: dict[str, dict[str, Any]] = {}
        specials = [
            self.application(0, regime="military", transaction="export", licence_type="individual",
                             destinations=["PK"], destination_group=None, purpose="definitive",
                             procedure="licence",
                             end_user={"name": "Pakistan Ordnance Factory", "country": "PK",
                                       "type": "armed_forces"},
                             consignee={"name": "Karachi Defence Supplies Ltd", "country": "PK"},
                             goods=[{"description": "fire control radar", "rating": "ML5",
                                     "quantity": 4, "value_eur": "850000.00"}]),
            self.application(1, regime="military", transaction="export", licence_type="individual",
                             destinations=["IN"], destination_group=None, purpose="definitive",
                             procedure="licence",
                             goods=[{"description": "naval patrol vessel", "rating": "ML9a",
                                     "quantity": 1, "value_eur": "48000000.00",
                                     "complete_system": True}]),
        ]
        bodies = specials + [self.application(n) for n in range(2, applications)]
        for i, body in enumerate(bodies):
            created = self.submit(body)
            if created:
                submitted[created["id"]] = {**body, "_consult": i == 0 and bool(denial)}
        print(f"  {len(submitted)} applications submitted; deciding...", flush=True)
        self.decide_all(submitted)
        issued = self.licences(list(submitted))
        # Extensions and replacements of some licences, a few with a higher value.
        amended: dict[str, dict[str, Any]] = {}
        for app, number in rng.sample(issued, min(len(issued), max(2, applications // 40))):
            body = {k: v for k, v in submitted[app["id"]].items() if not k.startswith("_")}
            body["reference"] = f"{body['reference']}-A"
            body["amends"] = {"licence_number": number,
                              "kind": rng.choice(("extension", "replacement"))}
            factor = rng.choice(("1.25", "1.00", "0.80"))
            body["goods"] = [{**g, "value_eur": f"{float(g['value_eur']) * float(factor):.2f}"}
                             for g in body["goods"]]
            created = self.submit(body)
            if created:
                amended[created["id"]] = {**body, "_consult": False}
        self.decide_all(amended)
        for app, number in issued:
            for _ in range(rng.choice((0, 1, 2))):
                app_doc = submitted[app["id"]]
                value = float(app_doc["goods"][0]["value_eur"]) * rng.uniform(0.05, 0.3)
                self.call("shipments", self.customs, "POST",
                          f"/v1/licences/{number}/shipments", json={
                              "declaration_ref": f"DECL-{uuid.uuid4().hex[:10]}",
                              "shipped_on": min(app_doc.get("_decided_on", dt.date.today())
                                                + dt.timedelta(days=rng.randint(1, 30)),
                                                dt.date.today()).isoformat(),
                              "country": app_doc["destinations"][0], "quantity": 1,
                              "value_eur": f"{value:.2f}"})
        codes = ("NL003", "NL004", "NL005", "NL006", "NL008", "EU001", "EU005")
        exporter = {"name": "Acme Defence BV", "eori": "NL123456789"}
        for code in codes:  # an exporter registers once, before its first use
            self.call("general-licence registrations", self.customs, "POST",
                      f"/v1/general-licences/{code}/registrations",
                      json={"exporter": exporter, "registered_on": f"{self.year}-01-01"})
        for _ in range(max(10, applications // 5)):
            code = rng.choice(codes)
            military = code.startswith("NL")
            # NL004 goes to a recipient in the register of certified companies.
            extra = {"recipient": CERTIFIED_RECIPIENT} if code == "NL004" else {}
            self.call("general-licence realisations", self.customs, "POST",
                      f"/v1/general-licences/{code}/realisations",
                      headers={"Idempotency-Key": uuid.uuid4().hex}, json={
                          "exporter": exporter,
                          "period": f"{self.year}-Q{rng.randint(1, 4)}",
                          "direction": "transit" if code == "NL008" else "export",
                          "country": rng.choice(("DE", "FR", "NO", "GB", "US", "IL")
                                                if military else ("US", "JP", "CN", "CA")),
                          "value_eur": f"{rng.randint(1_000, 400_000)}.00",
                          "ratings": [rng.choice(MILITARY if military else DUAL_USE)], **extra})
        for status in ("due", "overdue"):
            notes = self.call("fast-track read", self.mfa, "GET", "/v1/parliament-notifications",
                              params={"status": status, "limit": 200}) or {}
            for note in notes.get("items", []):
                sent_on = min(dt.date.fromisoformat(note["decided_on"]) + dt.timedelta(days=9),
                              dt.date.today())
                self.call("fast-track sent", self.mfa, "POST",
                          f"/v1/parliament-notifications/{note['id']}/sent",
                          json={"sent_on": sent_on.isoformat()})

    def wait_for_reporting(self, timeout: float = 60.0) -> None:
        """Until reporting has consumed the whole log."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                status = self.reporter.get("/v1/projections/status").json()
                if status.get("lag") == 0:
                    return
            except (httpx.HTTPError, ValueError):
                pass
            time.sleep(0.5)


def _urls() -> dict[str, str]:
    topology = cli_settings()
    return {s: topology.url(s) for s in SERVICES}


def _running(urls: dict[str, str]) -> bool:
    try:
        return all(httpx.get(f"{u}/health", timeout=1.0).status_code == 200
                   for u in urls.values())
    except httpx.HTTPError:
        return False


def _start_system(data_dir: Path) -> tuple[subprocess.Popen[bytes], dict[str, str]]:
    from licensing.nats_server import free_port

    # The child is `licensing up` with its own settings: this process's environment, with
    # every port moved to a free one and no URL pointing at another system.
    env = {**os.environ, "LICENSING_DATA_DIR": str(data_dir)}
    env.pop("LICENSING_NATS_URL", None)
    env["LICENSING_NATS_PORT"] = str(free_port())
    for service in SERVICES:
        env.pop(Topology.setting(service, "url"), None)
        env[Topology.setting(service)] = str(free_port())
    ports: dict[str, Any] = {f"{s}_port": int(env[Topology.setting(s)]) for s in SERVICES}
    topology = Topology(**ports)
    urls = {s: topology.url(s) for s in SERVICES}
    proc = subprocess.Popen([sys.executable, "-m", "licensing", "up", "--data-dir", str(data_dir)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert proc.stdout is not None
    for line in proc.stdout:
        if b"ready;" in line:
            return proc, urls
        sys.stdout.write("  | " + line.decode(errors="replace"))
    raise RuntimeError(f"licensing up exited with {proc.wait()}")


def run_demo(data_dir: Path | None, *, applications: int = 300, seed: int = 2024,
             year: int | None = None) -> int:
    """Drive a synthetic year, write the HTML report into the data dir, print where it is."""
    year = year or dt.date.today().year
    urls = _urls()
    proc = None
    secret: str | None = None
    if data_dir is None and _running(urls):
        settings = cli_settings()
        data_dir = settings.data_dir
        secret = settings.signing_secret()
        if secret is None:
            print(f"a system runs at {urls['intake']}, but there is no key at "
                  f"{settings.key_file().resolve()} to sign the demo's tokens: run the demo "
                  "where `licensing up` keeps its data dir (LICENSING_DATA_DIR), or give it "
                  "LICENSING_JWT_SECRET", file=sys.stderr)
            return 2
        print(f"using the running system at {urls['intake']} ...", flush=True)
    else:
        data_dir = (data_dir or Path(tempfile.mkdtemp(prefix="licensing-demo-"))).resolve()
        if data_dir.exists() and any(data_dir.iterdir()):
            print(f"{data_dir} is not empty; the demo starts from an empty data dir",
                  file=sys.stderr)
            return 2
        print(f"starting a system in {data_dir} ...", flush=True)
        proc, urls = _start_system(data_dir)
    try:
        secret = secret or cli_settings().jwt_secret or ensure_key(data_dir)
        driver = Driver(urls, secret, year=year, seed=seed)
        print(f"driving {applications} applications through {year} ...", flush=True)
        started = time.monotonic()
        driver.run(applications)
        driver.wait_for_reporting()
        for step, n in sorted(driver.tally.ok.items()):
            print(f"  {step:<32} {n:>5}")
        for step, n in sorted(driver.tally.skipped.items()):
            print(f"  {step:<32} {n:>5} skipped, e.g. {driver.tally.first_error.get(step)}")
        report = driver.reporter.get(f"/v1/reports/annual/{year}", params={"format": "html"})
        if report.status_code != 200:
            print(f"the report could not be built: {report.status_code} {report.text[:300]}",
                  file=sys.stderr)
            return 1
        out = data_dir.resolve() / "report.html"
        out.write_text(report.text, encoding="utf-8")
        (data_dir / "report.json").write_bytes(
            driver.reporter.get(f"/v1/reports/annual/{year}").content)
        print(f"done in {time.monotonic() - started:.0f}s; the {year} report is at {out}")
        return 0
    finally:
        if proc is not None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
