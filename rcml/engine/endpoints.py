"""Simulated parties: how a dialed target behaves (semantics §3.7), read from scenario maps."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from rcml import targets


class Reaction(StrEnum):
    """What a dialed party does."""

    ANSWER = "answer"  # rings answer_after s, answers
    BUSY = "busy"  # busy at once, no ringing
    NO_ANSWER = "no_answer"  # rings until the caller gives up
    REJECT = "reject"  # rings answer_after s, then declines: busy
    FAIL = "fail"  # failed at once
    UNREGISTERED = "unregistered"  # clients: no leg can be created; others: as fail


FLAGS = ("busy", "no_answer", "reject", "fail", "unregistered")
NUMBERS = ("answer_after", "hangup_after")
KEYS = NUMBERS + FLAGS


@dataclass(frozen=True, slots=True)
class Behaviour:
    """One endpoint's behaviour; times in ms; `hangup_after_ms` counts from its answer."""

    reaction: Reaction = Reaction.ANSWER
    answer_after_ms: int = 0
    hangup_after_ms: int | None = None

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {}
        if self.reaction in (Reaction.ANSWER, Reaction.REJECT):
            data["answer_after"] = self.answer_after_ms / 1000
        if self.hangup_after_ms is not None:
            data["hangup_after"] = self.hangup_after_ms / 1000
        if self.reaction is not Reaction.ANSWER:
            data[self.reaction.value] = True
        return data


NOT_LISTED_CLIENT = Behaviour(Reaction.UNREGISTERED)
NOT_LISTED_OTHER = Behaviour(Reaction.NO_ANSWER)


def parse_behaviour(where: str, entry: object) -> Behaviour:
    """A behaviour map (`{answer_after: 2, hangup_after: 30}`, `{busy: true}`…); ValueError."""
    if entry is None:
        entry = {}
    if not isinstance(entry, Mapping):
        raise ValueError(f"{where}: expected a map of {', '.join(KEYS)}")
    unknown = sorted(str(key) for key in entry if key not in KEYS)
    if unknown:
        raise ValueError(f"{where}: unknown key '{unknown[0]}'; expected one of {', '.join(KEYS)}")
    times: dict[str, int | None] = {}
    for key in NUMBERS:
        value = entry.get(key)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int | float) or value < 0
        ):
            raise ValueError(f"{where}: {key} must be a number of seconds >= 0, got {value!r}")
        times[key] = None if value is None else round(value * 1000)
    flags = []
    for key in FLAGS:
        value = entry.get(key, False)
        if not isinstance(value, bool):
            raise ValueError(f"{where}: {key} must be true or false, got {value!r}")
        if value:
            flags.append(key)
    if len(flags) > 1:
        raise ValueError(f"{where}: {flags[0]} and {flags[1]} cannot both be true")
    reaction = Reaction(flags[0]) if flags else Reaction.ANSWER
    return Behaviour(reaction, times["answer_after"] or 0, times["hangup_after"])


def target_address(text: str) -> str:
    """The canonical address of a target (`client:NAME`, a number, a sip: URI); ValueError."""
    try:
        return targets.parse_target(text).address
    except targets.TargetError as problem:
        raise ValueError(f"'{text}' is not a dial target: {problem.message}") from None


class Endpoints:
    """Behaviours by canonical target address; unlisted clients are unregistered (§3.7)."""

    def __init__(self, entries: Mapping[str, object] | None = None) -> None:
        self._behaviours: dict[str, Behaviour] = {}
        for key, entry in (entries or {}).items():
            where = f"endpoints['{key}']"
            if not isinstance(key, str):
                raise ValueError(f"{where}: the key must be a dial target")
            try:
                address = target_address(key)
            except ValueError as problem:
                raise ValueError(f"{where}: {problem}") from None
            self._behaviours[address] = parse_behaviour(where, entry)

    def items(self) -> list[tuple[str, Behaviour]]:
        return list(self._behaviours.items())

    def set(self, address: str, behaviour: Behaviour) -> None:
        self._behaviours[address] = behaviour

    def get(self, address: str) -> Behaviour | None:
        return self._behaviours.get(address)

    def behaviour(self, address: str) -> Behaviour:
        found = self._behaviours.get(address)
        if found is not None:
            return found
        return NOT_LISTED_CLIENT if address.startswith("client:") else NOT_LISTED_OTHER
