"""Conference rooms per account (semantics §2.7.7): join, wait music, start, leave, end."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rcml import effects as e
from rcml.engine.runner import Activity
from rcml.interpreter import Mode, wait_program
from rcml.scheduler import Timer

if TYPE_CHECKING:
    from rcml.engine.core import Engine
    from rcml.engine.model import Leg
    from rcml.engine.runner import Runner


class Room:
    """A room exists while it has members; it has started once a starting member is in it."""

    __slots__ = ("key", "name", "sid", "members", "started")

    def __init__(self, key: tuple[str, str], sid: str) -> None:
        self.key = key
        self.name = key[1]
        self.sid = sid
        self.members: list[Membership] = []
        self.started = False


class Membership(Activity):
    """One leg in one room, from its join to its leave."""

    __slots__ = ("rooms", "runner", "leg", "room", "effect", "limit", "wait")

    def __init__(self, rooms: Rooms, runner: Runner, room: Room, effect: e.JoinConference) -> None:
        self.rooms = rooms
        self.runner = runner
        self.leg = runner.leg
        self.room = room
        self.effect = effect
        self.limit: Timer | None = None
        self.wait: Runner | None = None

    def takes_keys(self, digits: str) -> bool:
        return self.effect.hangup_on_star and "*" in digits

    def keys(self, digits: str) -> None:
        self.rooms.leave(self)
        self.runner.complete(e.ConferenceResult(True))

    def interrupt(self, cause: e.Interrupt) -> e.Outcome:
        self.rooms.leave(self)
        return e.ConferenceResult(True, cause)

    def abandon(self) -> None:
        self.rooms.leave(self)


class Rooms:
    """Every room of the engine, by (account sid, room name)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.rooms: dict[tuple[str, str], Room] = {}

    def join(self, runner: Runner, effect: e.JoinConference) -> e.Outcome | None:
        engine = self.engine
        leg = runner.leg
        if leg.final:
            return e.ConferenceResult(True, e.Interrupt.HANGUP)
        key = (leg.account.sid, effect.name)
        room = self.rooms.get(key)
        if room is not None and len(room.members) >= effect.max_participants:
            engine.event(leg, "conference", {"name": effect.name, "action": "full"})
            engine.error(leg, 16020, f"conference '{effect.name}' is full: it already has "
                         f"{len(room.members)} participants (maxParticipants)")  # fmt: skip
            return e.ConferenceResult(False)
        if room is None:
            room = self.rooms[key] = Room(key, engine.sids.new("CF"))
        member = Membership(self, runner, room, effect)
        fields: dict[str, Any] = {
            "name": room.name,
            "action": "join",
            "muted": effect.muted,
            "start_on_enter": effect.start_on_enter,
        }
        if effect.end_on_exit:
            fields["end_on_exit"] = True
        if effect.extras:
            fields.update(effect.extras)
        engine.event(leg, "conference", fields)
        if effect.video is not None:
            engine.event(leg, "video", dict(effect.video))
        if effect.beep in ("true", "onEnter"):
            engine.event(leg, "conference", {"name": room.name, "action": "beep"})
        room.members.append(member)
        member.limit = engine.scheduler.call_later(
            effect.time_limit_ms, lambda: self._time_up(member)
        )
        runner.pend(effect, member)
        if room.started:
            return None
        if effect.start_on_enter:
            self._start(room)
        else:
            self._wait(member)
        return None

    def _wait(self, member: Membership) -> None:
        engine = self.engine
        leg = member.leg
        engine.event(leg, "conference", {"name": member.room.name, "action": "wait"})
        ctx = engine.context(leg, member.effect.base_url, Mode.CONFERENCE_WAIT)
        ref, method = member.effect.wait_url, member.effect.wait_method
        runner = engine.side_program(leg, lambda c: wait_program(c, ref, method), ctx, "wait")
        member.wait = runner
        leg.aux = runner
        runner.start()

    def _start(self, room: Room) -> None:
        room.started = True
        for member in list(room.members):
            if member.wait is not None:
                self._stop_waiting(member)
                self.engine.event(member.leg, "conference", {"name": room.name, "action": "start"})

    def _stop_waiting(self, member: Membership) -> None:
        runner = member.wait
        if runner is None:
            return
        member.wait = None
        if member.leg.aux is runner:
            member.leg.aux = None
        runner.close()

    def _time_up(self, member: Membership) -> None:
        member.limit = None
        if member in member.room.members:
            self.leave(member)
            member.runner.complete(e.ConferenceResult(True))

    def leave(self, member: Membership, ending: bool = False) -> None:
        """`member` leaves; a leaving `endConferenceOnExit` member ends the room for all."""
        room = member.room
        if member not in room.members:
            return
        engine = self.engine
        room.members.remove(member)
        if member.limit is not None:
            member.limit.cancel()
            member.limit = None
        self._stop_waiting(member)
        engine.event(member.leg, "conference", {"name": room.name, "action": "leave"})
        if member.effect.beep in ("true", "onExit") and room.members and not ending:
            engine.event(member.leg, "conference", {"name": room.name, "action": "beep"})
        if member.effect.end_on_exit and not ending:
            for other in list(room.members):
                engine.event(other.leg, "conference", {"name": room.name, "action": "end"})
                self.leave(other, ending=True)
                other.runner.complete(e.ConferenceResult(True))
        if not room.members:
            self.rooms.pop(room.key, None)

    def members(self, account_sid: str, name: str) -> list[Leg]:
        room = self.rooms.get((account_sid, name))
        return [member.leg for member in room.members] if room else []
