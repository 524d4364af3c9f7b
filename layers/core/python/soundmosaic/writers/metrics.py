"""Every model call of a room, recorded, and the per-day figures the dashboard shows
(docs/writers.md, "Cache figures and costs").

A call records its usage (uncached input, cache writes by TTL, cache reads, output), its cost
from the registry's prices (writes 1.25x / 2x, reads 0.1x the input price), what it would have
cost without caching (every input token at the input price), latency, mode and model. Money is
kept as exact decimal strings; the figures of a day are sums of the calls' own numbers, so they
add up to the calls.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from soundmosaic.platform.paging import new_id
from soundmosaic.providers.registry import Price
from soundmosaic.providers.types import Usage
from soundmosaic.writers.store import WritersStore, now, room_pk

MODES = ("archivist", "creative", "tool", "warm")


def usage_dict(usage: Usage) -> dict[str, int]:
    """The Messages API's four usage numbers."""
    return {
        "input_tokens": usage.input_tokens,
        "output_tokens": usage.output_tokens,
        "cache_creation_input_tokens": usage.cache_write_5m_tokens + usage.cache_write_1h_tokens,
        "cache_read_input_tokens": usage.cache_read_tokens,
    }


def costs(price: Price, usage: Usage) -> tuple[Decimal, Decimal]:
    """(cost, cost had nothing been cached) of one call."""
    flat = replace(
        usage,
        input_tokens=usage.input_tokens
        + usage.cache_write_5m_tokens
        + usage.cache_write_1h_tokens
        + usage.cache_read_tokens,
        cache_write_5m_tokens=0,
        cache_write_1h_tokens=0,
        cache_read_tokens=0,
    )
    return price.cost(usage), price.cost(flat)


def record(
    store: WritersStore,
    room_id: str,
    mode: str,
    model: str,
    price: Price,
    usage: Usage,
    latency_ms: float,
    user: str | None = None,
) -> dict[str, Any]:
    cost, uncached = costs(price, usage)
    stamp = now()
    item = {
        "pk": room_pk(room_id),
        "sk": f"CALL#{stamp}#{new_id()[:8]}",
        "day": stamp[:10],
        "mode": mode,
        "model": model,
        "latency_ms": round(latency_ms, 1),
        "cost_usd": str(cost),
        "cost_without_cache_usd": str(uncached),
        "user_id": user,
        "cache_write_5m_tokens": usage.cache_write_5m_tokens,
        "cache_write_1h_tokens": usage.cache_write_1h_tokens,
        **usage_dict(usage),
    }
    store.put(item)
    return item


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[rank]


def summarise(day: str, calls: list[dict[str, Any]]) -> dict[str, Any]:
    uncached = sum(int(c["input_tokens"]) for c in calls)
    written = sum(int(c["cache_creation_input_tokens"]) for c in calls)
    read = sum(int(c["cache_read_input_tokens"]) for c in calls)
    total_in = uncached + written + read
    cost = sum((Decimal(c["cost_usd"]) for c in calls), Decimal(0))
    flat = sum((Decimal(c["cost_without_cache_usd"]) for c in calls), Decimal(0))
    by_mode = {m: 0 for m in MODES}
    for c in calls:
        by_mode[c["mode"]] = by_mode.get(c["mode"], 0) + 1
    latencies = [float(c["latency_ms"]) for c in calls if c["mode"] != "warm"]
    return {
        "day": day,
        "calls": len(calls),
        "calls_by_mode": by_mode,
        "input_tokens": total_in,
        "uncached_input_tokens": uncached,
        "cache_creation_input_tokens": written,
        "cache_read_input_tokens": read,
        "output_tokens": sum(int(c["output_tokens"]) for c in calls),
        "cache_read_share": round(read / total_in, 4) if total_in else 0.0,
        "cost_usd": str(cost),
        "cost_without_cache_usd": str(flat),
        "saved_usd": str(flat - cost),
        "p50_latency_ms": _percentile(latencies, 0.5),
        "p95_latency_ms": _percentile(latencies, 0.95),
    }


def per_day(store: WritersStore, room_id: str, days: int) -> dict[str, Any]:
    today = datetime.now(UTC).date()
    first = today - timedelta(days=days - 1)
    calls = store.query(room_pk(room_id), "CALL#", start=f"CALL#{first.isoformat()}")
    grouped: dict[str, list[dict[str, Any]]] = {}
    for c in calls:
        grouped.setdefault(c["day"], []).append(c)
    out = [
        summarise(
            (first + timedelta(days=i)).isoformat(), grouped.get((first + timedelta(days=i)).isoformat(), [])
        )
        for i in range(days)
    ]
    return {
        "room_id": room_id,
        "days": out,
        "total": summarise(f"{first.isoformat()}..{today.isoformat()}", calls),
    }
