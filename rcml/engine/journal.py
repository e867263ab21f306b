"""The run's record: events, requests and errors in the JSON shape of interfaces.md §3.2."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rcml.engine.model import Leg
from rcml.loaders import RequestRecord

Entry = tuple[str, Any]  # ("event" | "request" | "error", the entry)


class _RequestLog(list[RequestRecord]):
    """The loaders append request hops here; each hop also takes its place in the timeline."""

    __slots__ = ("timeline",)

    def __init__(self, timeline: list[Entry]) -> None:
        super().__init__()
        self.timeline = timeline

    def append(self, record: RequestRecord) -> None:
        list.append(self, record)
        self.timeline.append(("request", record))


class Journal:
    """Everything a run shows: events and errors as JSON-ready dicts, request records, and one
    timeline with all three in the order they happened (for the readable transcript).
    """

    __slots__ = ("events", "errors", "requests", "timeline")

    def __init__(self) -> None:
        self.timeline: list[Entry] = []
        self.events: list[dict[str, Any]] = []
        self.errors: list[dict[str, Any]] = []
        self.requests: list[RequestRecord] = _RequestLog(self.timeline)

    def event(self, at_ms: int, call_sid: str, type_: str, fields: dict[str, Any] | None) -> None:
        if fields:
            entry = {"at": at_ms / 1000, "call_sid": call_sid, "type": type_, **fields}
        else:
            entry = {"at": at_ms / 1000, "call_sid": call_sid, "type": type_}
        self.events.append(entry)
        self.timeline.append(("event", entry))

    def error(self, at_ms: int, call_sid: str | None, code: int, message: str) -> None:
        entry = {"at": at_ms / 1000, "call_sid": call_sid, "code": code, "message": message}
        self.errors.append(entry)
        self.timeline.append(("error", entry))

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
