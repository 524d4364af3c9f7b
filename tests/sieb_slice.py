"""A small slice of Sieb's sample data for tests: all suppliers, the first products and their
inventory, with the declared relations (the full sample is for the benchmark)."""

from __future__ import annotations

import json
from pathlib import Path

from soundmosaic_local.mongo.local import SAMPLE_DIR

PRODUCTS = 200


def write_slice(folder: Path, products: int = PRODUCTS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    prods = (SAMPLE_DIR / "products.jsonl").read_text().splitlines()[:products]
    skus = {json.loads(line)["_id"] for line in prods}
    inv = [
        line
        for line in (SAMPLE_DIR / "inventory.jsonl").read_text().splitlines()
        if json.loads(line)["sku"] in skus
    ]
    (folder / "products.jsonl").write_text("\n".join(prods) + "\n")
    (folder / "inventory.jsonl").write_text("\n".join(inv) + "\n")
    (folder / "suppliers.jsonl").write_text((SAMPLE_DIR / "suppliers.jsonl").read_text())
    (folder / "relations.json").write_text((SAMPLE_DIR / "relations.json").read_text())
    return folder
