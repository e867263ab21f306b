"""The SQLite store: schema, WAL, upserts, listing with filters and paging, crash recovery."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from rcml.store import (
    CallFilter,
    CallLog,
    CallRecord,
    ErrorRecord,
    RecordingRecord,
    Store,
    TimeRange,
    UnknownPageToken,
)

ACCOUNT = "AC" + "a" * 32
OTHER = "AC" + "b" * 32
DAY = 86_400_000
T0 = 1_795_000_000_000  # 2026-11-18T...Z, a whole second


def call(n: int, **changes: object) -> CallRecord:
    base = CallRecord(
        sid=f"CA{n:032x}",
        account_sid=ACCOUNT,
        to="+15551112222",
        from_="+15550001111",
        status="queued",
        direction="outbound-api",
        api_version="2010-04-01",
        created_ms=T0 + n * 1000,
        updated_ms=T0 + n * 1000,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store(tmp_path / "rcml.db")
    yield opened
    opened.close()


def sids(records: list[CallRecord]) -> list[str]:
    return [record.sid[-2:] for record in records]


def test_the_database_is_in_wal_mode(store: Store) -> None:
    assert store.journal_mode == "wal"


def test_a_call_is_inserted_then_updated_in_place(store: Store) -> None:
    store.save([call(1)])
    answered = call(
        1, status="in-progress", start_ms=T0 + 1000, answered_ms=T0 + 3000, updated_ms=T0 + 3000
    )
    store.save([answered])
    assert store.get_call(call(1).sid) == answered
    page = store.list_calls(ACCOUNT)
    assert page.calls == [answered]


def test_an_update_keeps_the_fields_fixed_at_creation(store: Store) -> None:
    store.save([call(1, caller_name="Alice")])
    store.save([call(1, status="ringing", to="+1999", caller_name=None)])
    stored = store.get_call(call(1).sid)
    assert stored is not None
    assert (stored.status, stored.to, stored.caller_name) == ("ringing", "+15551112222", "Alice")


def test_get_call_checks_the_account(store: Store) -> None:
    store.save([call(1)])
    assert store.get_call(call(1).sid, ACCOUNT) == call(1)
    assert store.get_call(call(1).sid, OTHER) is None
    assert store.get_call("CA" + "f" * 32) is None


def test_durations() -> None:
    ended = call(1, status="completed", start_ms=T0, answered_ms=T0 + 3000, end_ms=T0 + 45_400)
    assert (ended.duration_s, ended.ring_duration_s) == (42, 3)
    ringing = call(2, status="ringing", start_ms=T0)
    assert (ringing.duration_s, ringing.ring_duration_s) == (None, None)
    missed = call(3, status="no-answer", start_ms=T0, end_ms=T0 + 60_000)
    assert (missed.duration_s, missed.ring_duration_s) == (0, 60)
    queued = call(4)
    assert (queued.duration_s, queued.ring_duration_s) == (None, None)


def test_listing_is_newest_first_and_by_creation_order_within_a_second(store: Store) -> None:
    same_second = [call(n, created_ms=T0 + 500 + n) for n in (1, 2, 3)]
    store.save([call(5, created_ms=T0 - 5000), *same_second, call(4, created_ms=T0 + 1000)])
    assert sids(store.list_calls(ACCOUNT).calls) == ["04", "03", "02", "01", "05"]


def test_listing_is_per_account(store: Store) -> None:
    store.save([call(1), call(2, account_sid=OTHER)])
    assert sids(store.list_calls(ACCOUNT).calls) == ["01"]
    assert sids(store.list_calls(OTHER).calls) == ["02"]


def test_filters_by_address_status_and_parent(store: Store) -> None:
    store.save(
        [
            call(1, to="client:alice"),
            call(2, from_="+1444", status="completed"),
            call(3, parent_call_sid=call(1).sid, status="completed"),
        ]
    )
    assert sids(store.list_calls(ACCOUNT, CallFilter(to="client:alice")).calls) == ["01"]
    assert sids(store.list_calls(ACCOUNT, CallFilter(from_="+1444")).calls) == ["02"]
    assert sids(store.list_calls(ACCOUNT, CallFilter(status="completed")).calls) == ["03", "02"]
    parent = CallFilter(parent_call_sid=call(1).sid, status="completed")
    assert sids(store.list_calls(ACCOUNT, parent).calls) == ["03"]


def test_time_filters_are_half_open_and_never_match_null(store: Store) -> None:
    store.save(
        [
            call(1, start_ms=T0),
            call(2, start_ms=T0 + 999),
            call(3, start_ms=T0 + 1000, end_ms=T0 + 5000, status="completed"),
            call(4),  # queued: no start time
        ]
    )
    second = TimeRange(T0, T0 + 1000)
    assert sids(store.list_calls(ACCOUNT, CallFilter(start=second)).calls) == ["02", "01"]
    since = TimeRange(min_ms=T0 + 1000)
    assert sids(store.list_calls(ACCOUNT, CallFilter(start=since)).calls) == ["03"]
    ended = TimeRange(max_ms=T0 + DAY)
    assert sids(store.list_calls(ACCOUNT, CallFilter(end=ended)).calls) == ["03"]


def test_time_ranges_intersect() -> None:
    assert TimeRange(1, 10) & TimeRange(5, None) == TimeRange(5, 10)
    assert TimeRange(None, 10) & TimeRange(None, 7) == TimeRange(None, 7)
    assert (TimeRange() & TimeRange()).unbounded


@pytest.fixture
def seven(store: Store) -> Store:
    store.save([call(n) for n in range(1, 8)])  # newest first: 07 06 05 04 03 02 01
    return store


def test_paging_by_offset(seven: Store) -> None:
    first = seven.list_calls(ACCOUNT, page_size=3)
    assert (sids(first.calls), first.start, first.has_next) == (["07", "06", "05"], 0, True)
    last = seven.list_calls(ACCOUNT, page_size=3, offset=6)
    assert (sids(last.calls), last.start, last.has_next) == (["01"], 6, False)
    exact = seven.list_calls(ACCOUNT, page_size=7)
    assert (len(exact.calls), exact.has_next) == (7, False)
    past = seven.list_calls(ACCOUNT, page_size=3, offset=30)
    assert (past.calls, past.start, past.has_next) == ([], 30, False)


def test_paging_after_a_call(seven: Store) -> None:
    page = seven.list_calls(ACCOUNT, page_size=3, after_sid=call(5).sid)
    assert (sids(page.calls), page.start, page.has_next) == (["04", "03", "02"], 3, True)
    tail = seven.list_calls(ACCOUNT, page_size=3, after_sid=call(2).sid)
    assert (sids(tail.calls), tail.start, tail.has_next) == (["01"], 6, False)
    end = seven.list_calls(ACCOUNT, page_size=3, after_sid=call(1).sid)
    assert (end.calls, end.start, end.has_next) == ([], 7, False)


def test_paging_before_a_call(seven: Store) -> None:
    page = seven.list_calls(ACCOUNT, page_size=3, before_sid=call(2).sid)
    assert (sids(page.calls), page.start, page.has_next) == (["05", "04", "03"], 2, True)
    head = seven.list_calls(ACCOUNT, page_size=3, before_sid=call(6).sid)
    assert (sids(head.calls), head.start, head.has_next) == (["07"], 0, True)


def test_a_token_outside_the_filtered_set_is_unknown(seven: Store) -> None:
    seven.save([call(9, status="completed")])
    done = CallFilter(status="completed")
    with pytest.raises(UnknownPageToken):
        seven.list_calls(ACCOUNT, done, after_sid=call(3).sid)
    with pytest.raises(UnknownPageToken):
        seven.list_calls(OTHER, before_sid=call(3).sid)
    assert seven.list_calls(ACCOUNT, done, after_sid=call(9).sid).calls == []


def test_recordings_errors_and_logs_round_trip(store: Store) -> None:
    recording = RecordingRecord("RE" + "1" * 32, call(1).sid, ACCOUNT, 7, "http://h/r.wav", T0)
    errors = [ErrorRecord(call(1).sid, T0, 11200, "x"), ErrorRecord(call(2).sid, T0, 12100, "y")]
    log = CallLog(
        call(1).sid, [{"type": "say", "text": "hi"}], [{"kind": "rcml"}], [{"code": 11200}]
    )
    store.save(recordings=[recording], errors=errors, logs=[log])
    assert store.recordings(call(1).sid) == [recording]
    assert store.errors([call(2).sid, call(1).sid]) == errors
    assert store.call_log(call(1).sid) == log
    assert store.call_log(call(2).sid) is None


def test_records_survive_reopening(tmp_path: Path) -> None:
    first = Store(tmp_path / "rcml.db")
    first.save([call(1, status="completed", start_ms=T0, end_ms=T0 + 1000)])
    first.close()
    second = Store(tmp_path / "rcml.db")
    assert second.get_call(call(1).sid) == call(
        1, status="completed", start_ms=T0, end_ms=T0 + 1000
    )
    second.close()


def test_recovery_closes_live_calls_as_failed_at_the_last_heartbeat(tmp_path: Path) -> None:
    crashed = Store(tmp_path / "rcml.db")
    done = call(1, status="completed", start_ms=T0, answered_ms=T0, end_ms=T0 + 2000)
    talking = call(
        2, status="in-progress", start_ms=T0, answered_ms=T0 + 4000, updated_ms=T0 + 4000
    )
    queued = call(3, updated_ms=T0 + 3000)
    crashed.save([done, talking, queued])
    crashed.heartbeat(T0 + 10_000)
    # No close(): the process died. The next one opens the same file.
    restarted = Store(tmp_path / "rcml.db")
    closed = restarted.recover(now_ms=T0 + 99_000)
    assert closed == [
        replace(talking, status="failed", end_ms=T0 + 10_000, updated_ms=T0 + 10_000),
        replace(
            queued,
            status="failed",
            start_ms=queued.created_ms,
            end_ms=T0 + 10_000,
            updated_ms=T0 + 10_000,
        ),
    ]
    assert restarted.get_call(talking.sid) == closed[0]
    assert restarted.get_call(done.sid) == done
    assert restarted.live_calls() == []
    assert closed[0].duration_s == 6
    assert restarted.recover(now_ms=T0 + 100_000) == []
    restarted.close()
    crashed.close()


def test_recovery_without_a_heartbeat_ends_calls_now(store: Store) -> None:
    store.save([call(1, status="ringing", start_ms=T0 + 1000)])
    (closed,) = store.recover(now_ms=T0 + 50_000)
    assert (closed.status, closed.end_ms, closed.ring_duration_s) == ("failed", T0 + 50_000, 49)


def test_threads_read_while_one_writes(store: Store) -> None:
    store.save([call(1)])
    seen: list[str] = []

    def reader() -> None:
        for _ in range(50):
            found = store.get_call(call(1).sid)
            assert found is not None
            seen.append(found.status)

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for thread in threads:
        thread.start()
    for n in range(50):
        store.save([call(1, status="ringing", updated_ms=T0 + n)])
    for thread in threads:
        thread.join()
    assert len(seen) == 150 and set(seen) <= {"queued", "ringing"}


def test_a_closed_store_refuses_work(tmp_path: Path) -> None:
    closing = Store(tmp_path / "rcml.db")
    closing.close()
    with pytest.raises(sqlite3.ProgrammingError):
        closing.get_call("CA")


def test_named_values_keep_their_type_across_reopening(tmp_path: Path) -> None:
    first = Store(tmp_path / "rcml.db")
    first.set_meta("demo_token", "0123456789")
    first.set_meta("count", 7)
    first.close()
    second = Store(tmp_path / "rcml.db")
    assert (second.meta("demo_token"), second.meta("count"), second.meta("x")) == (
        "0123456789",
        7,
        None,
    )
    second.close()
