"""A user's own three joinable collections (bands, venues, gigs: no declared relations, names
unlike the sample's): the schema is discovered and the offline engine answers from the card."""

from __future__ import annotations

from pathlib import Path

import pymongo
from soundmosaic.sieb import loader, service, store

OWN = Path(__file__).parent / "own"


def test_questions_over_discovered_collections(sieb_env: str) -> None:
    client: pymongo.MongoClient = pymongo.MongoClient(sieb_env)  # type: ignore[type-arg]
    db = client[store.tenant_db_name("band-manager")]
    loader.load(db, OWN)
    try:
        card = service.schema_card("band-manager")
        assert {(r["from"], r["to"], r["kind"]) for r in card["relations"]} == {
            ("gigs.band", "bands._id", "detected"),
            ("gigs.venue", "venues._id", "detected"),
        }
        assert "values" not in card["collections"]["gigs"]["fields"]["fee"]  # decimals are not categories

        def ask(question: str) -> list[dict]:
            answer = service.ask("band-manager", question)
            assert answer["understood"], (question, answer["message"])
            return list(answer["rows"])

        assert {r["_id"] for r in ask("gigs in Berlin")} == {"GIG-001", "GIG-004"}
        assert {r["city"]: r["count"] for r in ask("how many gigs per city")} == {"Berlin": 2, "Hamburg": 2}
        assert {r["band"]: r["sum_fee"] for r in ask("total fee per band")} == {
            "BND-01": 2400,
            "BND-02": 800,
            "BND-03": 700,
        }
        assert {r["_id"] for r in ask("sold out gigs of indie bands")} == {"GIG-001", "GIG-003"}
        assert ask("which venue has the most gigs")[0]["count"] == 2
        assert not service.ask("band-manager", "gigs with a stage diver")["understood"]
    finally:
        client.drop_database(db.name)
