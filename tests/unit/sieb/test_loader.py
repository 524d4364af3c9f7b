"""The loader keeps Extended JSON types, is idempotent, creates the join indexes, and refuses a
bad folder naming the file and line (hostile input: broken JSON, a document without _id, a
collection name with a dot, an empty folder)."""

from __future__ import annotations

import datetime
from pathlib import Path

import pymongo
import pytest
from bson.decimal128 import Decimal128
from soundmosaic.sieb import loader, schema
from soundmosaic_local.mongo.server import MongoWireServer


def test_types_idempotence_indexes_and_card(wire: MongoWireServer, slice_dir: Path) -> None:
    db = pymongo.MongoClient(wire.uri)["t_loader"]
    first = loader.load(db, slice_dir)
    again = loader.load(db, slice_dir)
    assert first["collections"]["products"] == {"documents": 200, "new": 200}
    assert again["collections"]["products"] == {"documents": 200, "new": 0}
    product = db.products.find_one({"_id": "SKU-00001"})
    assert isinstance(product["unit_cost"], Decimal128) and isinstance(product["launched"], datetime.datetime)
    assert "inventory.sku_1" in first["indexes"] and "products.supplier_id_1" in first["indexes"]
    card = schema.card_of(db)
    kinds = {(r["from"], r["to"]): r["kind"] for r in card["relations"]}
    assert kinds[("inventory.sku", "products._id")] == "declared+detected"
    fields = card["collections"]["products"]["fields"]
    assert fields["unit_cost"]["types"] == ["decimal"] and "Microphones" in fields["category"]["values"]
    assert card["collections"]["suppliers"]["fields"]["certifications"]["types"] == ["array"]


def test_relations_are_detected_without_a_declaration(wire: MongoWireServer, tmp_path: Path) -> None:
    (tmp_path / "bands.jsonl").write_text('{"_id": "B1", "name": "x"}\n{"_id": "B2", "name": "y"}\n')
    (tmp_path / "gigs.jsonl").write_text('{"_id": "G1", "band": "B1"}\n{"_id": "G2", "band": "B2"}\n')
    db = pymongo.MongoClient(wire.uri)["t_detect"]
    loader.load(db, tmp_path)
    assert {"from": "gigs.band", "to": "bands._id", "kind": "detected"} in schema.card_of(db)["relations"]


@pytest.mark.parametrize(
    ("files", "says"),
    [
        ({"a.jsonl": '{"_id": 1}\n{"_id": 2, broken\n'}, "a.jsonl line 2: not Extended JSON"),
        ({"a.jsonl": '{"name": "no id"}\n'}, "a.jsonl line 1: a document needs an _id"),
        ({"a.b.jsonl": '{"_id": 1}\n'}, "a collection name is letters"),
        ({}, "holds no <collection>.jsonl files"),
        ({"a.jsonl": '{"_id": 1}\n', "relations.json": '{"relations": [1]}'}, "relations.json"),
    ],
)
def test_a_bad_folder_is_refused_before_anything_is_written(
    wire: MongoWireServer, tmp_path: Path, files: dict[str, str], says: str
) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    db = pymongo.MongoClient(wire.uri)["t_bad"]
    with pytest.raises(loader.LoadError, match=says.replace(".", r"\.")):
        loader.load(db, tmp_path)
    assert [n for n in db.list_collection_names() if not n.startswith("_")] == []
