"""Fixtures for the engine tests: a scripted world that answers the interpreter's effects."""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable
from typing import Any

import pytest

from rcml import effects as e
from rcml.xml_reader import parse_xml


class World:
    """Answers effects by hand: DONE by default, scripted outcomes first, documents by URL.

    `script` is a list of (effect type, outcome) consumed in order: the first entry whose type
    matches the effect answers it. A Fetch without a scripted outcome gets its document from
    `docs` (XML text by URL) or a FetchFailed 11200. Sms and Fax get SM…/FX… sids.
    """

    def __init__(self, docs: dict[str, str] | None = None, script: Iterable[Any] = ()) -> None:
        self.docs = docs or {}
        self.script: list[tuple[type[e.Effect], e.Outcome]] = list(script)
        self.effects: list[e.Effect] = []
        self.ending: object = None
        self.sent = 0

    def respond(self, effect: e.Effect) -> e.Outcome:
        for index, (kind, outcome) in enumerate(self.script):
            if isinstance(effect, kind):
                del self.script[index]
                return outcome
        if isinstance(effect, e.Fetch):
            text = self.docs.get(effect.url)
            if text is None:
                return e.FetchFailed(11200, f"{effect.url} answered HTTP 404")
            return e.Fetched(parse_xml(text), effect.url)
        if isinstance(effect, e.SendSms | e.SendFax):
            self.sent += 1
            prefix = "SM" if isinstance(effect, e.SendSms) else "FX"
            return e.Sent(f"{prefix}{self.sent:032x}")
        if isinstance(effect, e.Idle | e.HoldMusic):
            raise _Parked()
        return _DEFAULTS.get(type(effect), e.DONE)

    def run(self, program: Generator[e.Effect, e.Outcome, Any], limit: int = 1000) -> list[Any]:
        """Drive `program` to its end (or to a never-ending wait); the effects it yielded."""
        try:
            effect = next(program)
            for _ in range(limit):
                self.effects.append(effect)
                effect = program.send(self.respond(effect))
            raise AssertionError("the program did not end")
        except StopIteration as stop:
            self.ending = stop.value
        except _Parked:
            program.close()
            self.ending = "parked"
        return self.effects


_DEFAULTS: dict[type[e.Effect], e.Outcome] = {
    e.AwaitInput: e.TIMED_OUT,
    e.RecordAudio: e.Recorded(0),
    e.DialOut: e.DialResult(e.DialEnd.EXHAUSTED),
    e.DialQueue: e.DialResult(e.DialEnd.TIMEOUT),
    e.JoinConference: e.ConferenceResult(True),
}


class _Parked(Exception):
    """The program waits for something that never ends by itself (music, silence)."""


@pytest.fixture
def world() -> Callable[..., World]:
    return World
