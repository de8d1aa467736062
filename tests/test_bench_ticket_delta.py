"""The benchmark's day of ticket changes (bench/ticket_delta.py) is what the incremental run
measures, so it must be a valid delta: each record the latest version of its ticket under the
extract contract's rule, about the asked share, and the same file for the same input."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import ticket_delta  # noqa: E402

AS_OF = dt.date(2026, 11, 1)


def _ticket(id_: int, updated_at: str, status: str) -> dict:
    return {
        "id": id_, "created_at": "2026-01-01T00:00:00Z", "updated_at": updated_at,
        "status": status, "priority": None, "type": "question", "subject": f"ticket {id_}",
        "organization_id": 360000000001, "requester_email": "a@example.com", "tags": ["x"],
        "satisfaction_rating": {"score": "unoffered"}, "custom_fields": [],
        "metric_set": {"reply_time_in_minutes": {"calendar": None}, "solved_at": None},
    }


def _write(path: Path, records: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records))


def test_delta_changes_the_latest_version_under_the_contract_rule(tmp_path: Path) -> None:
    """Latest updated_at wins; on a tie the later file. Ticket 7's latest is the delta file's
    'pending' (-> 'open'); ticket 9's two versions tie, the delta file's 'hold' (-> 'open')
    wins over the base file's 'open' (which would have become 'pending')."""
    extracts = tmp_path / "x"
    _write(extracts / "support" / "tickets.jsonl", [
        _ticket(7, "2026-10-01T10:00:00Z", "open"), _ticket(9, "2026-10-02T10:00:00Z", "open"),
    ])
    _write(extracts / "support" / "tickets" / "tickets-20261003.jsonl", [
        _ticket(7, "2026-10-03T10:00:00Z", "pending"), _ticket(9, "2026-10-02T10:00:00Z", "hold"),
    ])
    path, changed, new = ticket_delta.write_delta(extracts, AS_OF, share=1.0)
    records = {r["id"]: r for r in map(json.loads, path.read_text().splitlines())}
    assert (changed, new) == (2, 0)
    assert {i: r["status"] for i, r in records.items()} == {7: "open", 9: "open"}
    assert all(r["updated_at"].startswith("2026-11-01T") for r in records.values())


def test_delta_size_new_ids_shape_and_determinism(tmp_path: Path) -> None:
    extracts = tmp_path / "x"
    _write(extracts / "support" / "tickets.jsonl",
           [_ticket(i, "2026-10-01T10:00:00Z", "open") for i in range(1, 201)])
    path, changed, new = ticket_delta.write_delta(extracts, AS_OF, share=0.05)
    first = path.read_bytes()
    assert path == extracts / "support" / "tickets" / "bench-delta-20261101.jsonl"
    assert (changed, new) == (8, 2)  # 5 % of 200 tickets, a fifth of them new

    records = [json.loads(line) for line in first.decode().splitlines()]
    assert len({r["id"] for r in records}) == 10
    assert sorted(r["id"] for r in records if r["id"] > 200) == [201, 202]
    for r in records:
        assert r["updated_at"].startswith("2026-11-01T")  # the as-of day: later than any version
        assert set(r) == set(_ticket(0, "", ""))  # the contract's record shape
        if r["id"] > 200:
            assert (r["status"], r["created_at"]) == ("new", r["updated_at"])
        else:
            assert r["status"] == "pending"  # every delivered ticket was "open"

    assert ticket_delta.remove_deltas(extracts) == [path]
    ticket_delta.write_delta(extracts, AS_OF, share=0.05)
    assert path.read_bytes() == first
