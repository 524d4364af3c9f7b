"""The royalty ledger end to end on the local stack, over HTTP: the platform records a track's
provenance (as the take workflow does), a tenant uploads a statement (good lines, a refund, two
currencies, a duplicated line, an unknown track, malformed lines) and imports it through the
real ``statement_import`` workflow in parts; the summary, a re-import, a rights holder's
statement to the micro, who may see what, the audit log, a correction with its reversing
entries, and the trust boundary: no tenant records or changes provenance or credits a holder;
a royalty admin corrects it, with holders from the catalog and the reason audited.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from fractions import Fraction
from typing import Any

import httpx
import pytest
from soundmosaic.catalog.store import CatalogStore, Recording
from soundmosaic.royalties import audit
from soundmosaic.royalties.ledger import Ledger
from soundmosaic.royalties.provenance import Provenance, Work
from soundmosaic.royalties.split import Splitter
from soundmosaic.royalties.statements import line_key
from soundmosaic.royalties.tenancy import TenantProvenance, platform_actor

pytestmark = pytest.mark.integration

TENANT, HOLDER, TRACK, ISRC = "label-r", "writer-10a", "trk-royal-1", "USRYL2400001"
SOURCE = "distrokid:2024-06"
STATEMENT = "\n".join([
    "track,territory,store,period,plays,amount,currency",  # 1
    f"{TRACK},US,spotify,2024-05,1000,3.915000,USD",        # 2
    f"{ISRC},DE,apple,2024-05,500,2.50,EUR",                # 3 (by ISRC)
    f"{TRACK},US,spotify,2024-06,10,-0.50,USD",             # 4 refund
    f"{TRACK},US,spotify,2024-05,1000,3.915000,USD",        # 5 same content as line 2: held
    "trk-nobody,US,spotify,2024-05,7,0.07,USD",             # 6 unknown track: held
    f"{TRACK},US,spotify,2024-13,5,0.01,USD",               # 7 malformed period
    f"{TRACK},US,spotify,2024-06,many,1.00,USD",            # 8 malformed plays
    f"{TRACK},FR,deezer,2024-06,300,1.234567,EUR",          # 9
]) + "\n"
AMOUNTS = {2: ("USD", 3_915_000), 3: ("EUR", 2_500_000), 4: ("USD", -500_000), 5: ("USD", 3_915_000),
           9: ("EUR", 1_234_567)}


def provenance_body() -> dict[str, Any]:
    reference = [{"work_id": f"w{i}", "weight": str(Fraction(i, 55)),
                  "holders": {f"writer-{i}a": "3/5", f"writer-{i}b": "0.4"}} for i in range(1, 11)]
    training = [{"work_id": "t1", "weight": "0.6", "holders": {"label-t": "1"}},
                {"work_id": "t2", "weight": "3/10", "holders": {"catalog-2": "1"}},
                {"work_id": "t3", "weight": "0.1", "holders": {"catalog-3": "1"}}]
    return {"track_id": TRACK, "isrc": ISRC, "reference": reference, "training": training}


def client(stack, artist: str, holder: str | None = None, groups: tuple[str, ...] = ()) -> httpx.Client:
    token = stack.dev_token(artist, holder, groups)
    return httpx.Client(base_url=stack.api_url + "/api", timeout=60,
                        headers={"Authorization": f"Bearer {token}"})


def wait(http: httpx.Client, job_id: str, timeout: float = 300) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = http.get(f"/jobs/{job_id}").json()
        if job["status"] in ("succeeded", "failed"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"import {job_id} did not finish")


def import_statement(http: httpx.Client, text: str, source: str = SOURCE) -> dict[str, Any]:
    data = text.encode()
    upload = http.post("/royalties/statements/uploads", json={"filename": "may june.csv",
                                                              "size_bytes": len(data)})
    assert upload.status_code == 201, upload.text
    target = upload.json()
    assert target["key"].startswith(f"statements/{TENANT}/") and target["key"].endswith("/may june.csv")
    put = httpx.put(target["url"], content=data, headers=target["headers"])
    assert put.status_code == 200, put.text
    started = http.post("/royalties/imports", json={"key": target["key"], "source": source})
    assert started.status_code == 202, started.text
    assert started.json()["kind"] == "statement_import"
    return wait(http, started.json()["job_id"])


@pytest.fixture(scope="module")
def parts_of_three() -> Iterator[None]:
    """Three lines per part, so the nine-line statement runs as a Map over three parts."""
    os.environ["SOUNDMOSAIC_STATEMENT_PART_LINES"] = "3"
    yield
    os.environ.pop("SOUNDMOSAIC_STATEMENT_PART_LINES", None)


@pytest.fixture(scope="module")
def tenant(stack, parts_of_three) -> httpx.Client:
    return client(stack, TENANT)


@pytest.fixture(scope="module")
def recorded(tenant) -> dict[str, Any]:
    """The provenance the take workflow records for the tenant's generated track, written the way
    that step writes it (the domain, as the platform); no route takes it from a tenant."""
    made = Provenance.from_dict({**provenance_body(), "version": 0})
    stored = TenantProvenance(TENANT).record_owned(made, platform_actor("generation", TENANT))
    return stored.to_dict()


@pytest.fixture(scope="module")
def first(tenant, recorded) -> dict[str, Any]:
    job = import_statement(tenant, STATEMENT)
    assert job["status"] == "succeeded", job
    return job


def planned_lines(tenant: httpx.Client, import_id: str) -> dict[int, str]:
    """Line number -> key of the lines of known tracks the import planned to split (its audit log)."""
    records = tenant.get("/royalties/audit", params={"import": import_id})
    assert records.status_code == 200, records.text
    assert {r["actor"] for r in records.json()} == {TENANT}
    return {line["line_no"]: line["key"] for r in records.json() if r["action"] == "write-lines"
            for line in r["lines"] if line["status"] == "writing"}


def expected_share(recorded: dict[str, Any], lines: dict[int, str], holder: str) -> dict[str, int]:
    splitter = Splitter(Provenance.from_dict(recorded).holder_weights())
    totals: dict[str, int] = {}
    for line_no, key in lines.items():
        currency, micros = AMOUNTS[line_no]
        totals[currency] = totals.get(currency, 0) + splitter.split(micros, int(key[:8], 16))[holder]
    return totals


def statement_of(http: httpx.Client, holder: str = HOLDER, **extra: str) -> httpx.Response:
    return http.get("/royalties/statements", params={"holder": holder, "from": "2024-01", "to": "2024-12",
                                                      **extra})


def test_the_platform_recorded_the_provenance(recorded):
    assert recorded["version"] == 1 and recorded["isrc"] == ISRC
    assert recorded["recorded_by"] == f"platform:generation:{TENANT}"
    weights = Provenance.from_dict(recorded).holder_weights()
    assert sum(weights.values()) == 1 and len(weights) == 23


def test_import_summary_counts_every_line(tenant, first):
    summary = first["result"]
    assert summary["parts"] == 3 and summary["failed_parts"] == []
    assert (summary["lines"], summary["imported"], summary["held"], summary["errors"],
            summary["duplicates"]) == (8, 4, 2, 2, 0)
    assert [e["line_no"] for e in summary["error_lines"]] == [7, 8]
    assert "2024-13" in summary["error_lines"][0]["reason"] and "plays" in summary["error_lines"][1]["reason"]
    assert summary["held_tracks"] == sorted(["trk-nobody", TRACK])  # unknown; same content as line 2
    usd, eur = summary["reconciliation"]["USD"], summary["reconciliation"]["EUR"]
    money = ("revenue_micros", "allocated_micros", "held_micros")
    assert [usd[m] for m in money] == [3_415_000, 3_415_000, 3_985_000]
    assert [eur[m] for m in money] == [3_734_567, 3_734_567, 0]
    assert summary["reconciled"] and summary["accounted"]
    detail = tenant.get(f"/royalties/imports/{first['job_id']}").json()
    assert detail["summary"] == summary
    errors = tenant.get(f"/royalties/imports/{first['job_id']}/errors").json()
    assert [(e["line_no"], e["raw"]) for e in errors] == [(7, STATEMENT.splitlines()[6]),
                                                          (8, STATEMENT.splitlines()[7])]


def test_holder_statement_is_their_share_to_the_micro(stack, tenant, recorded, first):
    lines = planned_lines(tenant, first["job_id"])
    assert set(lines) == {2, 3, 4, 5, 9}
    # Lines 2 and 5 are the same sale: whichever part came first was split, the other held.
    candidates = [expected_share(recorded, {n: k for n, k in lines.items() if n != held}, HOLDER)
                  for held in (2, 5)]
    holder = client(stack, TENANT, HOLDER)
    reply = statement_of(holder)
    assert reply.status_code == 200, reply.text
    totals = {t["currency"]: t["amount_micros"] for t in reply.json()["totals"]}
    assert totals in candidates
    # Exact share within one micro per line: 10/55 of 67 % to w10, of which 60 % to writer-10a.
    weight = Fraction(67, 100) * Fraction(10, 55) * Fraction(3, 5)
    assert abs(totals["USD"] - 3_415_000 * weight) < 3 and abs(totals["EUR"] - 3_734_567 * weight) < 2
    csv = statement_of(holder, format="csv")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert f"total,{HOLDER},2024-01..2024-12,USD" in csv.text
    chart = holder.get("/royalties/chart", params={"holder": HOLDER})
    assert chart.status_code == 200
    assert [p["period"] for p in chart.json()["plays_over_time"]] == ["2024-05", "2024-06"]
    assert {s["track_id"] for s in chart.json()["earnings_by_song"]} == {TRACK}


def test_a_holder_sees_only_their_own_statement(stack, tenant, first):
    assert statement_of(client(stack, TENANT, "writer-1a")).status_code == 403
    assert statement_of(tenant).status_code == 403  # the tenant is no rights holder
    chart = client(stack, TENANT, "writer-1a").get("/royalties/chart", params={"holder": HOLDER})
    assert chart.status_code == 403
    holders = tenant.get("/royalties/holders").json()
    assert [t["track_id"] for t in holders] == [TRACK]
    assert len(holders[0]["holders"]) == 23
    allocated = {(a["holder"], a["currency"]) for a in holders[0]["allocated"]}
    assert (HOLDER, "USD") in allocated and (HOLDER, "EUR") in allocated


def test_another_tenant_cannot_see_or_touch_the_import(stack, first):
    other = client(stack, "artist-b")
    import_id = first["job_id"]
    assert other.get(f"/royalties/imports/{import_id}").status_code == 404
    assert other.get(f"/royalties/imports/{import_id}/errors").status_code == 404
    assert other.get("/royalties/audit", params={"import": import_id}).status_code == 404
    fix = other.post("/royalties/corrections", json={"import_id": import_id, "line_no": 9, "reason": "mine"})
    assert fix.status_code == 404
    # Nor start an import of the tenant's file, or of a file it never uploaded.
    key = first["subject"]["key"]
    assert other.post("/royalties/imports", json={"key": key}).status_code == 404
    assert other.post("/royalties/imports", json={"key": "statements/artist-b/1/no.csv"}).status_code == 404
    text_file = {"filename": "s.txt", "size_bytes": 9}
    assert other.post("/royalties/statements/uploads", json=text_file).status_code == 400
    # It cannot write provenance for the track id, and its statements cannot use the track.
    assert other.post("/royalties/provenance", json=provenance_body()).status_code in (404, 405)
    assert other.get("/royalties/holders").json() == []


def test_reimport_changes_nothing(stack, tenant, first):
    holder = client(stack, TENANT, HOLDER)
    before = statement_of(holder).json()
    again = import_statement(tenant, STATEMENT)
    assert again["status"] == "succeeded", again
    summary = again["result"]
    assert (summary["lines"], summary["imported"], summary["held"], summary["duplicates"],
            summary["errors"]) == (8, 0, 0, 6, 2)
    assert summary["reconciliation"] == {}
    assert statement_of(holder).json() == before
    # The same bytes as another statement would count it twice: refused, nothing written.
    refused = import_statement(tenant, STATEMENT, source="distrokid:other")
    assert refused["status"] == "failed" and "imported" in refused["error"]
    assert statement_of(holder).json() == before


def test_correction_books_reversing_entries(stack, tenant, recorded, first):
    holder = client(stack, TENANT, HOLDER)
    before = {t["currency"]: t["amount_micros"] for t in statement_of(holder).json()["totals"]}
    key = line_key(f"{TENANT}/{SOURCE}", 9, None)
    fix = tenant.post("/royalties/corrections", json={"import_id": first["job_id"], "line_no": 9,
                                                      "reason": "wrong territory"})
    assert fix.status_code == 201, fix.text
    assert fix.json()["line_key"] == key and fix.json()["amount_micros"] == -1_234_567
    share = expected_share(recorded, {9: key}, HOLDER)["EUR"]
    after = {t["currency"]: t["amount_micros"] for t in statement_of(holder).json()["totals"]}
    assert after == {**before, "EUR": before["EUR"] - share}
    # Reversing again is a no-op; a held line cannot be reversed.
    again = tenant.post("/royalties/corrections", json={"line_key": key, "reason": "twice"})
    assert again.status_code == 201 and again.json()["reversal_key"] == fix.json()["reversal_key"]
    assert {t["currency"]: t["amount_micros"] for t in statement_of(holder).json()["totals"]} == after
    held = tenant.post("/royalties/corrections", json={"import_id": first["job_id"], "line_no": 6,
                                                       "reason": "held"})
    assert held.status_code == 400


def test_the_royalty_routes_are_in_the_openapi_document(tenant):
    paths = tenant.get("/openapi.json").json()["paths"]
    assert {"/royalties/statements/uploads", "/royalties/imports", "/royalties/imports/{import_id}",
            "/royalties/audit", "/royalties/provenance/{track_id}/corrections", "/royalties/holders",
            "/royalties/corrections",
            "/royalties/statements", "/royalties/chart"} <= set(paths)
    params = {p["name"] for p in paths["/royalties/statements"]["get"]["parameters"]}
    assert params == {"holder", "from", "to", "format", "as_of"}


def test_no_tenant_records_or_changes_provenance_or_credits_a_holder(stack, tenant, recorded, first):
    """Tenant A on its own track, tenant B on A's track, either on an unknown id; a body naming a
    made-up holder X: all refused, and no statement or provenance changes."""
    holder = client(stack, TENANT, HOLDER)
    invented = client(stack, "x", "holder-x")
    before = (statement_of(holder).json(), statement_of(invented, "holder-x").json())
    crediting_x = {**provenance_body(), "reference": [
        {**w, "holders": {"holder-x": "1"}} for w in provenance_body()["reference"]]}
    other = client(stack, "artist-b")
    for who in (tenant, other):
        for track in (TRACK, "trk-unknown"):
            assert who.post("/royalties/provenance", json={**crediting_x, "track_id": track}).status_code in (
                404, 405)
            fix = who.post(f"/royalties/provenance/{track}/corrections",
                           json={"reason": "mine now", "weights": {"w1": "1"}})
            assert fix.status_code == 403, fix.text
    latest = TenantProvenance(TENANT).latest(TRACK)
    assert latest is not None and latest.version == recorded["version"]
    assert (statement_of(holder).json(), statement_of(invented, "holder-x").json()) == before
    assert invented.get("/royalties/statements", params={"holder": "holder-x", "from": "2024-01",
                                                         "to": "2024-12"}).json()["rows"] == []


def test_a_royalty_admin_corrects_with_holders_from_the_catalog(stack, tenant, recorded, first):
    catalog = CatalogStore()
    for i in range(1, 11):  # the catalog now names the works' holders (w1 changed hands)
        holders = {"writer-1c": "1"} if i == 1 else {f"writer-{i}a": "3/5", f"writer-{i}b": "2/5"}
        catalog.put(Recording(f"rec-w{i}", f"Work {i}", ("Someone",), None, 180_000, Work(f"w{i}", holders)))
    admin = client(stack, "ops-1", groups=("royalty-admins",))
    assert admin.post("/royalties/provenance/trk-unknown/corrections",
                      json={"reason": "typo"}).status_code == 404
    assert admin.post(f"/royalties/provenance/{TRACK}/corrections", json={"reason": " "}).status_code in (
        400, 422)
    stray = admin.post(f"/royalties/provenance/{TRACK}/corrections",
                       json={"reason": "x", "weights": {"not-a-work": "1"}})
    assert stray.status_code == 400
    fixed = admin.post(f"/royalties/provenance/{TRACK}/corrections", json={"reason": "w1 was sold"})
    assert fixed.status_code == 201, fixed.text
    body = fixed.json()
    assert body["version"] == recorded["version"] + 1 and body["recorded_by"] == "admin:ops-1"
    assert "writer-1c" in body["holder_weights"] and "writer-1a" not in body["holder_weights"]
    (entry,) = audit.records(Ledger().audit_table, body["audit_operation"])
    assert (entry["actor"], entry["reason"], entry["to_version"]) == ("admin:ops-1", "w1 was sold",
                                                                      body["version"])
    # The old version is unchanged: lines split with it keep their split.
    assert TenantProvenance(TENANT).latest(TRACK).version == body["version"]
