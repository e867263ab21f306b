"""The run's record: events, requests and errors in the JSON shape of interfaces.md §3.2."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping
from typing import Any, overload

from rcml.engine.model import Leg
from rcml.loaders import RequestRecord

Entry = tuple[str, Any]  # ("event" | "request" | "error", the entry)


class Timeline:
    """The entries in the order they happened, read as `Entry` pairs.

    Kinds and entries sit in two parallel lists and the pairs are made only when read: a run
    keeps every entry, and a tuple holding a dict stays tracked by the garbage collector for
    good, so one tuple per entry made every full collection of a long run slower.
    """

    __slots__ = ("_kinds", "_items")

    def __init__(self) -> None:
        self._kinds: list[str] = []
        self._items: list[Any] = []

    def append(self, entry: Entry) -> None:
        kind, item = entry
        self._kinds.append(kind)
        self._items.append(item)

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Entry]:
        return zip(self._kinds, self._items, strict=True)

    @overload
    def __getitem__(self, index: int) -> Entry: ...

    @overload
    def __getitem__(self, index: slice) -> list[Entry]: ...

    def __getitem__(self, index: int | slice) -> Entry | list[Entry]:
        if isinstance(index, slice):
            return list(zip(self._kinds[index], self._items[index], strict=True))
        return (self._kinds[index], self._items[index])

    def __setitem__(self, index: slice, entries: Iterable[Entry]) -> None:
        """Slice assignment, as `timeline[:] = kept` when a host prunes finished calls."""
        pairs = list(entries)
        self._kinds[index] = [kind for kind, _ in pairs]
        self._items[index] = [item for _, item in pairs]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Timeline):
            return self._kinds == other._kinds and self._items == other._items
        if isinstance(other, list):
            return list(self) == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable, like the list it stands for

    def __repr__(self) -> str:
        return f"Timeline({list(self)!r})"


class _RequestLog(list[RequestRecord]):
    """The loaders append request hops here; each hop also takes its place in the timeline."""

    __slots__ = ("_kinds", "_items")

    def __init__(self, timeline: Timeline) -> None:
        super().__init__()
        self._kinds = timeline._kinds
        self._items = timeline._items

    def append(self, record: RequestRecord) -> None:
        list.append(self, record)
        self._kinds.append("request")
        self._items.append(record)


class Journal:
    """Everything a run shows: events and errors as JSON-ready dicts, request records, and one
    timeline with all three in the order they happened (for the readable transcript).
    """

    __slots__ = ("events", "errors", "requests", "timeline")

    def __init__(self) -> None:
        self.timeline = Timeline()
        self.events: list[dict[str, Any]] = []
        self.errors: list[dict[str, Any]] = []
        self.requests: list[RequestRecord] = _RequestLog(self.timeline)

    def event(
        self, at_ms: int, call_sid: str, type_: str, fields: Mapping[str, Any] | None
    ) -> None:
        if fields:
            entry = {"at": at_ms / 1000, "call_sid": call_sid, "type": type_, **fields}
        else:
            entry = {"at": at_ms / 1000, "call_sid": call_sid, "type": type_}
        self.events.append(entry)
        timeline = self.timeline
        timeline._kinds.append("event")
        timeline._items.append(entry)

    def error(self, at_ms: int, call_sid: str | None, code: int, message: str) -> None:
        entry = {"at": at_ms / 1000, "call_sid": call_sid, "code": code, "message": message}
        self.errors.append(entry)
        timeline = self.timeline
        timeline._kinds.append("error")
        timeline._items.append(entry)

    def forget(self, sids: Collection[str]) -> None:
        """Drop every entry of the calls `sids` (a long-running host moves them to its store)."""
        self.events[:] = [event for event in self.events if event["call_sid"] not in sids]
        self.errors[:] = [error for error in self.errors if error["call_sid"] not in sids]
        # In place: the request log is the loaders' (it only adds to the timeline on append).
        self.requests[:] = [r for r in self.requests if r.call_sid not in sids]
        timeline = self.timeline
        kept = [
            (kind, item)
            for kind, item in timeline
            if (item.call_sid if kind == "request" else item["call_sid"]) not in sids
        ]
        timeline[:] = kept

    def result(self, legs: Iterable[Leg]) -> dict[str, Any]:
        """The result object of `rcml run --json` (interfaces.md §3.2)."""
        return {
            "calls": [call_json(leg) for leg in legs],
            "requests": [record.to_json() for record in self.requests],
            "events": [dict(event) for event in self.events],
            "errors": [dict(error) for error in self.errors],
        }


def call_json(leg: Leg) -> dict[str, Any]:
    """One leg as the result's `calls` entry; times in virtual seconds, duration whole seconds."""
    answered, ended = leg.answered_ms, leg.ended_ms
    duration = None
    if ended is not None:
        duration = (ended - answered + 500) // 1000 if answered is not None else 0
    return {
        "sid": leg.sid,
        "parent_call_sid": leg.parent.sid if leg.parent is not None else None,
        "from": leg.from_,
        "to": leg.to,
        "direction": str(leg.direction),
        "status": str(leg.status),
        "start_time": leg.created_ms / 1000,
        "answer_time": answered / 1000 if answered is not None else None,
        "end_time": ended / 1000 if ended is not None else None,
        "duration": duration,
    }
