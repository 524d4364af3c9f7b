"""The statement import in parts (moto): the same line keys and numbers as a one-piece import,
retried parts counted once, refusals; tenancy of provenance; the holder claim of tokens."""

from __future__ import annotations

from typing import Any

import pytest
from soundmosaic.platform import auth, aws
from soundmosaic.platform.config import resource
from soundmosaic.royalties import imports, statements
from soundmosaic.royalties.imports import ImportNotFound
from soundmosaic.royalties.ledger import ImportRefused, Ledger
from soundmosaic.royalties.statements import StatementFormatError
from soundmosaic.royalties.tenancy import TenantProvenance, TrackTaken
from soundmosaic_local import dev_tokens

from tests.unit.royalties.helpers import HEADER, provenance

TENANT = "label-u"
LINES = [
    "\ufeff" + HEADER,                        # 1
    "trk-u,US,spotify,2024-05,10,1.000001,USD",  # 2
    "",                                       # 3 blank
    "trk-u,US,spotify,2024-05,5,-0.25,USD",   # 4
    "trk-u,US,spotify,2024-5,5,0.25,USD",     # 5 bad period
    "trk-none,DE,apple,2024-05,1,0.10,EUR",   # 6 unknown track
    HEADER,                                   # 7 header repeated
    "trk-u,FR,deezer,2024-06,3,0.75,EUR\r",   # 8 CRLF
]


def put(key: str, text: str) -> str:
    aws.client("s3").put_object(Bucket=resource("UPLOADS_BUCKET"), Key=key, Body=text.encode())
    return key


def run(job_id: str, key: str, source: str, part_lines: int, artist: str = TENANT) -> dict[str, Any]:
    planned = imports.plan(artist, job_id, key, source, part_lines)
    for part in planned["parts"]:
        imports.import_part(artist, job_id, part)
    return imports.summarize(artist, job_id)


@pytest.fixture
def owned(royalty_tables: dict[str, str]) -> TenantProvenance:
    store = TenantProvenance(TENANT)
    store.record_owned(provenance("trk-u"), f"platform:generation:{TENANT}")
    return store


def test_split_lines_splits_on_newline_only_across_chunks():
    chunks = [b"a,b\r", b"\nc", b"\rd\n\n", b"e"]
    assert list(imports.split_lines(chunks)) == [b"a,b\r", b"c\rd", b"", b"e"]
    assert list(imports.split_lines([b"x\n"])) == [b"x"]


def test_parts_keep_the_line_numbers_and_keys_of_the_whole_file(owned):
    key = put(f"statements/{TENANT}/1/s.csv", "\n".join(LINES) + "\n")
    source = imports.tenant_source(TENANT, "dk:2024-05")
    outcome = run("job-1", key, source, part_lines=2)
    summary = outcome["summary"]
    assert summary["parts"] == 4 and outcome["ok"], outcome
    assert (summary["lines"], summary["imported"], summary["held"], summary["errors"]) == (6, 3, 1, 2)
    assert [e["line_no"] for e in summary["error_lines"]] == [5, 7]
    ledger = Ledger()
    for line_no in (2, 4, 8):
        record = ledger.line(statements.line_key(source, line_no, None))
        assert record is not None and record["line_no"] == line_no and record["status"] == "applied"
    # A one-piece parse of the same file under the same statement finds every line known.
    whole = statements.parse(iter((line + "\n").encode() for line in LINES), source, "csv")
    again = ledger.import_lines(whole, source, TENANT)
    assert (again.imported, again.duplicates, again.errors) == (0, 4, 2)


def test_a_part_run_twice_counts_once(owned):
    key = put(f"statements/{TENANT}/2/s.jsonl", "\n".join([
        '{"track":"trk-u","territory":"US","store":"s","period":"2024-05","plays":1,"amount":"0.5","currency":"USD"}',
        '{"track":"trk-u","territory":"US","store":"s","period":"2024-06","plays":2,"amount":1.25,"currency":"USD"}',
        "not json",
    ]))
    planned = imports.plan(TENANT, "job-2", key, imports.tenant_source(TENANT, "jl"), part_lines=2)
    first, second = planned["parts"]
    imports.import_part(TENANT, "job-2", first)
    imports.import_part(TENANT, "job-2", first)  # a retry after a reply was lost: writes nothing
    imports.import_part(TENANT, "job-2", second)
    summary = imports.summarize(TENANT, "job-2")["summary"]
    assert (summary["lines"], summary["imported"], summary["duplicates"], summary["errors"]) == (3, 2, 0, 1)
    assert summary["reconciliation"]["USD"]["revenue_micros"] == 1_750_000 and summary["reconciled"]
    assert len(imports.operations(TENANT, "job-2")) == 3


def test_a_part_that_never_finished_fails_the_summary(owned):
    key = put(f"statements/{TENANT}/3/s.csv", "\n".join(LINES[:4]))
    planned = imports.plan(TENANT, "job-3", key, imports.tenant_source(TENANT, "x"), part_lines=2)
    imports.import_part(TENANT, "job-3", planned["parts"][0])
    imports.part_failed(TENANT, "job-3", 1, {"Error": "Boom", "Cause": '{"errorMessage": "disk on fire"}'})
    outcome = imports.summarize(TENANT, "job-3")
    assert not outcome["ok"] and "part 2 failed: Boom: disk on fire" in outcome["reason"]


def test_plan_refuses_what_it_cannot_import(owned):
    with pytest.raises(StatementFormatError, match="empty"):
        imports.plan(TENANT, "j", put(f"statements/{TENANT}/4/e.csv", ""), "e")
    with pytest.raises(StatementFormatError, match="lacks currency"):
        incomplete = "track,territory,store,period,plays,amount\n"
        imports.plan(TENANT, "j", put(f"statements/{TENANT}/4/h.csv", incomplete), "h")
    with pytest.raises(ImportNotFound):
        imports.plan(TENANT, "j", put("statements/other/4/s.csv", "\n".join(LINES)), "s")
    text = "\n".join(LINES)
    source = imports.tenant_source
    imports.plan(TENANT, "j5", put(f"statements/{TENANT}/5/a.csv", text), source(TENANT, "a"))
    with pytest.raises(ImportRefused, match=f"{TENANT}/a"):  # the tenant's own statement is named
        imports.plan(TENANT, "j6", put(f"statements/{TENANT}/6/b.csv", text), source(TENANT, "b"))
    with pytest.raises(ImportRefused) as refused:  # another tenant's is not
        imports.plan("other", "j7", put("statements/other/7/c.csv", text), source("other", "c"))
    assert TENANT not in str(refused.value)
    with pytest.raises(ImportNotFound):
        imports.meta("other", "j5")


def test_a_tenant_splits_only_with_its_own_provenance(owned):
    assert owned.latest("trk-u") is not None
    stranger = TenantProvenance("label-x")
    assert stranger.latest("trk-u") is None
    with pytest.raises(TrackTaken):
        stranger.record_owned(provenance("trk-u"), "platform:generation:label-x")
    assert list(owned.tracks()) == ["trk-u"] and list(stranger.tracks()) == []


def test_dev_tokens_carry_the_holder_claim():
    token = dev_tokens.mint("s" * 32, "label-u", holder_id="work:writer/1")
    claims = dev_tokens.verify("s" * 32, token)
    assert auth.holder_from_claims(claims) == "work:writer/1"
    plain = dev_tokens.verify("s" * 32, dev_tokens.mint("s" * 32, "a"))
    assert auth.holder_from_claims(plain) is None
    with pytest.raises(auth.Unauthorized):
        auth.holder_from_claims({"custom:holder_id": "../x y"})
    with pytest.raises(ValueError):
        dev_tokens.mint("s" * 32, "a", holder_id="bad holder")


def test_cli_token_mints_a_holder_token(tmp_path, capsys):
    from soundmosaic_local import cli

    args = ["--data-dir", str(tmp_path), "--artist", "label-u", "token", "--holder", "writer-1a"]
    assert cli.main(args) == 0
    claims = dev_tokens.verify((tmp_path / "dev-jwt-secret").read_text().strip(),
                                   capsys.readouterr().out.strip())
    assert (auth.artist_from_claims(claims), auth.holder_from_claims(claims)) == ("label-u", "writer-1a")
