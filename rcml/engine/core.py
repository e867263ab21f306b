"""The Engine: owns every leg, room and queue of a run, answers effects, keeps the journal.

One thread mutates this state (DESIGN.md law 8): scenario events, timers, loader answers and host
commands all arrive as scheduler callbacks. The interpreter decides what verbs mean; the engine
decides what happens to legs: statuses and callbacks (semantics §3, §6), requests with the
standard parameters (§4.2), simulated parties (§3.7), media time, input routing.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any

from rcml import effects as e
from rcml.engine.dialing import Dialing
from rcml.engine.endpoints import Behaviour, Endpoints, Reaction
from rcml.engine.journal import Journal
from rcml.engine.media import Recorder
from rcml.engine.model import (
    FINAL,
    TRANSITIONS,
    Account,
    AppCallback,
    Direction,
    Leg,
    Progress,
    Recording,
    Session,
    Sids,
    Status,
    StatusListener,
)
from rcml.engine.modify import Modification, apply_modification
from rcml.engine.queues import Queues
from rcml.engine.rooms import Rooms
from rcml.engine.runner import Runner
from rcml.http import VIRTUAL_EPOCH, iso_timestamp, rfc2822_timestamp
from rcml.interpreter import Context, Ending, FetchStart, InlineStart, Mode, call_program
from rcml.loaders import STATUS_CALLBACK, FetchResult, Loader, Request
from rcml.scheduler import Scheduler, Timer

SIMULATION_PUBLIC_URL = "http://rcml.invalid"
# A leg making more document requests than this within one instant is looping (e.g. a document
# that redirects to itself and takes no time): its next request fails instead of hanging the run.
MAX_REQUESTS_PER_INSTANT = 100
# Enum members read on every call, as module constants: an Enum class attribute lookup costs
# about ten times a global's.
_RINGING = Status.RINGING
_IN_PROGRESS = Status.IN_PROGRESS
_COMPLETED = Status.COMPLETED
_CANCELED = Status.CANCELED
_INBOUND = Direction.INBOUND
_ANSWER = Reaction.ANSWER
PROGRESS_EVENT = {
    Status.RINGING: "ringing",
    Status.IN_PROGRESS: "answered",
}

Performer = Callable[[Runner, Any], e.Outcome | None]


class Engine:
    """Runs calls against simulated parties; see the module docstring."""

    def __init__(
        self,
        scheduler: Scheduler,
        loader: Loader,
        *,
        account: Account | None = None,
        endpoints: Endpoints | None = None,
        epoch: datetime = VIRTUAL_EPOCH,
        public_url: str = SIMULATION_PUBLIC_URL,
        sids: Sids | None = None,
        journal: Journal | None = None,
    ) -> None:
        self.scheduler = scheduler
        self.loader = loader
        self.account = account or Account()
        self.endpoints = endpoints or Endpoints()
        self.epoch = epoch
        self.public_url = public_url.rstrip("/")
        self.sids = sids or Sids()
        self.journal = journal or Journal()
        self.legs: list[Leg] = []
        self.by_sid: dict[str, Leg] = {}
        self.recordings: list[Recording] = []
        self.listeners: list[StatusListener] = []
        self._stamps: dict[int, str] = {}  # CallTimestamp text by virtual second
        self.rooms = Rooms(self)
        self.queues = Queues(self)
        self.performers: dict[type[e.Effect], Performer] = {
            e.Answer: self._answer,
            e.Speak: self._speak,
            e.PlayAudio: self._play,
            e.PlayTones: self._tones,
            e.Silence: self._silence,
            e.HoldMusic: self._hold_music,
            e.Idle: self._idle,
            e.AwaitInput: self._await_input,
            e.RecordAudio: self._record,
            e.Fetch: self._fetch,
            e.FetchIgnored: self._fetch_ignored,
            e.Notify: self._notify,
            e.DialOut: self._dial,
            e.JoinConference: self.rooms.join,
            e.DialQueue: self.queues.dequeue,
            e.EnqueueCall: self.queues.enqueue,
            e.LeaveQueue: self.queues.leave,
            e.SendSms: self._sms,
            e.SendEmail: self._email,
            e.SendFax: self._fax,
            e.Hangup: self._hangup,
            e.RejectCall: self._reject,
            e.Note: self._note,
            e.Warn: self._warn,
        }

    # --- time and records ------------------------------------------------------------------------

    @property
    def now_ms(self) -> int:
        return self.scheduler.now_ms

    def event(self, leg: Leg, type_: str, fields: dict[str, Any] | None = None) -> None:
        self.journal.event(self.scheduler.now_ms, leg.sid, type_, fields)

    def error(self, leg: Leg | None, code: int, message: str) -> None:
        self.journal.error(self.scheduler.now_ms, leg.sid if leg else None, code, message)

    def result(self) -> dict[str, Any]:
        return self.journal.result(self.legs)

    def forget(self, sids: Collection[str]) -> None:
        """Drop ended legs `sids` with their journal entries and recordings, so a long-running
        host does not hold every call it ever ran. The caller keeps what it still needs first.
        """
        live = [sid for sid in sids if sid in self.by_sid and not self.by_sid[sid].final]
        if live:
            raise ValueError(f"cannot forget calls that have not ended: {', '.join(live)}")
        self.legs[:] = [leg for leg in self.legs if leg.sid not in sids]
        for sid in sids:
            self.by_sid.pop(sid, None)
        self.recordings[:] = [r for r in self.recordings if r.call_sid not in sids]
        self.journal.forget(sids)

    # --- legs ------------------------------------------------------------------------------------

    def new_leg(
        self,
        direction: Direction,
        from_: str,
        to: str,
        status: Status,
        *,
        parent: Leg | None = None,
        account: Account | None = None,
        api_version: str | None = None,
        caller_name: str | None = None,
        forwarded_from: str | None = None,
        headers: tuple[tuple[str, str], ...] = (),
    ) -> Leg:
        """A new leg in its first status (`ringing` inbound, `queued` outbound)."""
        account = account or (parent.account if parent is not None else self.account)
        if api_version is None:
            api_version = parent.api_version if parent is not None else "2012-04-24"
        now = self.scheduler.now_ms
        leg = Leg(
            self.sids.new("CA"), account, direction, from_, to, now, parent=parent,
            api_version=api_version, caller_name=caller_name, forwarded_from=forwarded_from,
            headers=headers,
        )  # fmt: skip
        params = {
            "CallSid": leg.sid,
            "AccountSid": account.sid,
            "From": from_,
            "To": to,
            "ApiVersion": api_version,
            "Direction": direction._value_,
            "CallTimestamp": self.timestamp(now),
        }
        if caller_name:
            params["CallerName"] = caller_name
        if forwarded_from:
            params["ForwardedFrom"] = forwarded_from
        if parent is not None:
            params["ParentCallSid"] = parent.sid
        for name, value in headers:
            params["SipHeader_" + name] = value
        leg.base_params = params
        session = parent.session if parent is not None else None
        if session is None:
            session = Session(self.sids.new("s-"), leg)
        leg.session = session
        leg.party = session.join(leg)
        self.legs.append(leg)
        self.by_sid[leg.sid] = leg
        self.set_status(leg, status)
        return leg

    def timestamp(self, ms: int) -> str:
        """ISO 8601 UTC with milliseconds of virtual time `ms` (§4.2 CallTimestamp)."""
        second, millis = divmod(ms, 1000)
        prefix = self._stamps.get(second)
        if prefix is None:
            if len(self._stamps) > 4096:
                self._stamps.clear()
            prefix = self._stamps[second] = iso_timestamp(self.epoch, second * 1000)[:-4]
        return f"{prefix}{millis:03d}Z"

    def params(self, leg: Leg) -> dict[str, str]:
        """The standard parameters of `leg` at this instant (§4.2)."""
        params = leg.base_params.copy()
        # Plain strings (`_value_`), not the enum members: a dict holding only atomic values is
        # not tracked by the garbage collector, and runs keep many of them.
        params["CallStatus"] = leg.status._value_ if leg.status is not None else ""
        return params

    def set_status(self, leg: Leg, status: Status, cause: str | None = None) -> None:
        """Move `leg` to `status` (only along §3.2), with its event and callbacks (§6.3)."""
        old = leg.status
        if status not in TRANSITIONS.get(old, ()):
            raise RuntimeError(f"{leg.sid}: no call status transition from {old} to {status}")
        now = self.scheduler.now_ms
        leg.status = status
        final = leg.final = status in FINAL
        if status is _IN_PROGRESS:
            leg.answered_ms = now
        elif final:
            leg.ended_ms = now
            timer = leg.remote_timer
            if timer is not None:
                leg.remote_timer = None
                timer.cancel()
        self.journal.event(now, leg.sid, "status", {"status": status._value_})
        listeners = self.listeners
        if listeners:
            for listener in listeners:
                listener(leg, old, status, cause)
        if leg.progress is not None:
            name = "completed" if final else PROGRESS_EVENT.get(status)
            if name is not None:
                self.progress(leg, name)
        if final and leg.app_callback is not None:
            params = self.params(leg)
            params["CallDuration"] = str(self.duration(leg))
            self.notify(leg, leg.app_callback.url, leg.app_callback.method, params)

    def duration(self, leg: Leg) -> int:
        if leg.answered_ms is None:
            return 0
        end = leg.ended_ms if leg.ended_ms is not None else self.scheduler.now_ms
        return (end - leg.answered_ms + 500) // 1000

    def answer(self, leg: Leg) -> None:
        """The leg is answered: by its first answering verb (inbound) or by its party."""
        self.set_status(leg, _IN_PROGRESS)
        activity = leg.activity
        if activity is not None:
            activity.leg_answered(leg)

    def end_leg(self, leg: Leg, status: Status, cause: str | None = None) -> None:
        """`leg` reaches a final status (with a `hangup` event when `cause` is given); what it
        was doing stops: its wait program closes, its pending verb is interrupted (§3.6), and the
        Dial or bridge it belongs to learns of it.
        """
        if leg.final:
            return
        if cause is not None:
            self.event(leg, "hangup", {"cause": cause})
        self.set_status(leg, status, cause)
        aux = leg.aux
        if aux is not None:
            leg.aux = None
            aux.close()
        runner = leg.runner
        if runner is not None:
            runner.interrupt(e.Interrupt.HANGUP)
        activity = leg.activity
        if activity is not None:
            leg.activity = None
            activity.leg_ended(leg)

    def hang_up(self, leg: Leg, cause: str) -> None:
        """The platform or the remote party ends `leg`: completed if answered, else canceled."""
        self.end_leg(leg, _COMPLETED if leg.answered_ms is not None else _CANCELED, cause)

    # --- callbacks and requests ------------------------------------------------------------------

    def progress(self, leg: Leg, name: str) -> None:
        """A call-progress callback for `leg`, if selected and not sent yet (§6.1)."""
        registration = leg.progress
        if registration is None or name not in registration.events or name in registration.sent:
            return
        registration.sent.add(name)
        params = self.params(leg)
        params["CallbackSource"] = "call-progress-events"
        params["StatusCallbackEvent"] = name
        params["SequenceNumber"] = str(registration.sequence)
        params["Timestamp"] = rfc2822_timestamp(self.epoch, self.scheduler.now_ms)
        if name == "completed":
            params["CallDuration"] = str(self.duration(leg))
        registration.sequence += 1
        self.notify(leg, registration.url, registration.method, params)

    def notify(self, leg: Leg, url: str, method: str, params: dict[str, str]) -> None:
        """A status-callback request: its answer is ignored, a failure is recorded (§6.3)."""
        request = Request(STATUS_CALLBACK, method, url, params, leg.sid, leg.account.auth_token)

        def done(result: FetchResult) -> None:
            if result.error is not None:
                self.error(leg, *result.error)

        self.loader.fetch(request, self.scheduler, self.journal.requests, done)

    # --- calls -----------------------------------------------------------------------------------

    def place_inbound(
        self,
        from_: str,
        to: str,
        start: FetchStart | InlineStart,
        *,
        caller_name: str | None = None,
        forwarded_from: str | None = None,
        status_callback: AppCallback | None = None,
        account: Account | None = None,
        api_version: str | None = None,
    ) -> Leg:
        """An inbound call: ringing now, its first document requested at once (§3.3)."""
        leg = self.new_leg(
            Direction.INBOUND, from_, to, Status.RINGING, account=account,
            api_version=api_version, caller_name=caller_name, forwarded_from=forwarded_from,
        )  # fmt: skip
        leg.app_callback = status_callback
        self.run_program(leg, start, answered=False)
        return leg

    def place_outbound(
        self,
        from_: str,
        to: str,
        start: FetchStart | InlineStart,
        *,
        behaviour: Behaviour,
        timeout_ms: int = 60_000,
        progress: Progress | None = None,
        account: Account | None = None,
        api_version: str | None = None,
        headers: tuple[tuple[str, str], ...] = (),
        sip_auth: tuple[str, str] | None = None,
    ) -> Leg:
        """An outbound-api call: queued, dialed now; `start` runs once the party answers.

        `headers` are the custom headers of the REST `To` (`?X-Name=value`): sent to the party and
        as `SipHeader_<name>` in every request made for the leg, as for a dialed branch.
        `sip_auth` (username, password) is recorded on the leg of a `sip:` target only.
        """
        leg = self.new_leg(
            Direction.OUTBOUND_API, from_, to, Status.QUEUED, account=account,
            api_version=api_version, headers=headers,
        )  # fmt: skip
        if sip_auth is not None and to.startswith(("sip:", "sips:")):
            leg.sip_auth = sip_auth
        leg.progress = progress
        leg.start = start
        leg.activity = _Ringing(self, leg, timeout_ms)
        self.ring(leg, behaviour)
        return leg

    def run_program(self, leg: Leg, start: FetchStart | InlineStart, *, answered: bool) -> Runner:
        """Start the leg's own documents (its main runner)."""
        ctx = Context(None, answered=answered, caller=leg.from_, called=leg.to)
        runner = Runner(self, leg, call_program(ctx, start), ctx, "call", self._program_ended)
        leg.runner = runner
        runner.start()
        return runner

    def _program_ended(self, runner: Runner, ending: Ending) -> None:
        leg = runner.leg
        if leg.runner is runner:
            leg.runner = None

    def ring(self, leg: Leg, behaviour: Behaviour) -> None:
        """Dial a queued leg: `initiated`, then what its party does (§3.7)."""
        self.progress(leg, "initiated")
        reaction = behaviour.reaction
        if reaction is _ANSWER:  # the common case first: it is the one that goes on ringing
            pass
        elif reaction is Reaction.BUSY:
            self.end_leg(leg, Status.BUSY)
            return
        elif reaction is Reaction.FAIL or reaction is Reaction.UNREGISTERED:
            self.end_leg(leg, Status.FAILED)
            return
        leg.behaviour = behaviour
        self.set_status(leg, _RINGING)
        if leg.final:  # a callback cannot end it, but a listener might
            return
        if reaction is _ANSWER:
            leg.remote_timer = self.scheduler.call_later(
                behaviour.answer_after_ms, lambda: self._party_answers(leg)
            )
        elif reaction is Reaction.REJECT:
            leg.remote_timer = self.scheduler.call_later(
                behaviour.answer_after_ms, lambda: self._party_declines(leg)
            )

    def _party_answers(self, leg: Leg) -> None:
        leg.remote_timer = None
        if leg.status is not _RINGING:
            return
        self.answer(leg)
        hangup_after = leg.behaviour.hangup_after_ms if leg.behaviour else None
        if hangup_after is not None and not leg.final:
            leg.remote_timer = self.scheduler.call_later(
                hangup_after, lambda: self.remote_hangup(leg)
            )

    def _party_declines(self, leg: Leg) -> None:
        leg.remote_timer = None
        if leg.status is Status.RINGING:
            self.end_leg(leg, Status.BUSY)

    # --- live modification -----------------------------------------------------------------------

    def modify(self, call_sid: str, modification: Modification) -> Leg:
        """Live call modification (calls-api §8): ModifyError when the leg cannot be modified
        (§8.2 checks 7 and 8: 21220); otherwise the change of §8.3-8.4 is applied in this
        scheduler step, and the leg is returned as it is after the synchronous part.
        """
        return apply_modification(self, call_sid, modification)

    # --- the remote party ------------------------------------------------------------------------

    def remote_hangup(self, leg: Leg) -> None:
        """The remote party of `leg` hangs up (§3.6)."""
        if not leg.final:
            self.hang_up(leg, "remote")

    def press(self, leg: Leg, digits: str) -> None:
        """The remote party of `leg` presses keys; a `digits` event says whether any verb used
        them (Gather, Record finish keys, hangupOnStar); others are ignored.
        """
        if leg.final:
            return
        use = self._key_taker(leg, digits)
        self.event(leg, "digits", {"digits": digits, "ignored": use is None})
        if use is not None:
            use(digits)

    def _key_taker(self, leg: Leg, digits: str) -> Callable[[str], None] | None:
        for runner in (leg.aux, leg.runner):
            if runner is None or runner.effect is None:
                continue
            listen = runner.listen
            if listen is not None:
                if listen.takes_keys(digits):
                    return lambda keys: _deliver(runner, e.Keys(keys))
                return None
            activity = runner.activity
            if activity is not None and activity.takes_keys(digits):
                return activity.keys
        return None

    def speak(self, leg: Leg, text: str, confidence: float = 0.9) -> None:
        """The remote party of `leg` says something (a Gather with speech, or Record, hears it)."""
        if leg.final:
            return
        use: Callable[[], None] | None = None
        for runner in (leg.aux, leg.runner):
            if runner is None or runner.effect is None:
                continue
            listen = runner.listen
            if listen is not None:
                if listen.speech:
                    use = _speech_delivery(runner, e.Speech(text, confidence))
                break
            activity = runner.activity
            if activity is not None and activity.takes_speech():
                use = _activity_speech(activity, text, confidence)
                break
        self.event(leg, "speech", {"text": text, "ignored": use is None})
        if use is not None:
            use()

    # --- effects ---------------------------------------------------------------------------------

    def _answer(self, runner: Runner, effect: e.Answer) -> e.Outcome | None:
        leg = runner.leg
        if leg.status is _RINGING and leg.direction is _INBOUND:
            self.answer(leg)
        return e.DONE

    def _media(
        self, runner: Runner, effect: Any, duration_ms: int, listen: e.InputSpec | None
    ) -> e.Outcome | None:
        if duration_ms <= 0:
            return e.DONE
        runner.wait(effect, duration_ms, listen)
        return None

    def _speak(self, runner: Runner, effect: e.Speak) -> e.Outcome | None:
        leg = runner.leg
        if leg.final:
            return e.HUNG_UP
        self.journal.event(self.scheduler.now_ms, leg.sid, "say", {
            "text": effect.text, "voice": effect.voice, "language": effect.language,
            "loop": effect.loop,
        })  # fmt: skip
        return self._media(runner, effect, effect.duration_ms, effect.listen)

    def _play(self, runner: Runner, effect: e.PlayAudio) -> e.Outcome | None:
        leg = runner.leg
        if leg.final:
            return e.HUNG_UP
        self.event(leg, "play", {"url": effect.url, "loop": effect.loop})
        return self._media(runner, effect, effect.duration_ms, effect.listen)

    def _tones(self, runner: Runner, effect: e.PlayTones) -> e.Outcome | None:
        leg = runner.leg
        if leg.final:
            return e.HUNG_UP
        self.event(leg, "play", {"digits": effect.digits})
        return self._media(runner, effect, effect.duration_ms, effect.listen)

    def _silence(self, runner: Runner, effect: e.Silence) -> e.Outcome | None:
        leg = runner.leg
        if leg.final:
            return e.HUNG_UP
        self.event(leg, "pause", {"length": effect.length})
        return self._media(runner, effect, effect.duration_ms, effect.listen)

    def _hold_music(self, runner: Runner, effect: e.HoldMusic) -> e.Outcome | None:
        self.event(runner.leg, "play", {"url": effect.url, "loop": 0})
        runner.pend(effect)
        return None

    def _idle(self, runner: Runner, effect: e.Idle) -> e.Outcome | None:
        runner.pend(effect)
        return None

    def _await_input(self, runner: Runner, effect: e.AwaitInput) -> e.Outcome | None:
        if runner.leg.final:
            return e.HUNG_UP
        runner.wait(effect, effect.timeout_ms, effect.listen)
        return None

    def _record(self, runner: Runner, effect: e.RecordAudio) -> e.Outcome | None:
        if runner.leg.final:
            return e.Recorded(0, "hangup", interrupt=e.Interrupt.HANGUP)
        Recorder(self, runner, effect).start()
        return None

    def new_recording(self, leg: Leg, duration_ms: int, start_ms: int) -> Recording:
        sid = self.sids.new("RE")
        url = f"{self.public_url}/recordings/{sid}.wav"
        recording = Recording(sid, leg.sid, (duration_ms + 500) // 1000, url, start_ms)
        self.recordings.append(recording)
        return recording

    def _fetch(self, runner: Runner, effect: e.Fetch) -> e.Outcome | None:
        leg = runner.leg
        now = self.scheduler.now_ms
        if leg.burst_at == now:
            leg.burst += 1
            if leg.burst > MAX_REQUESTS_PER_INSTANT:
                message = (
                    f"request loop: {effect.url} would be the call's request number "
                    f"{leg.burst} at one instant (at most {MAX_REQUESTS_PER_INSTANT})"
                )
                self.error(leg, 11200, message)
                return e.FetchFailed(11200, message)
        else:
            leg.burst_at, leg.burst = now, 1
        params = leg.base_params.copy()  # self.params(leg), inlined on the hot path
        params["CallStatus"] = leg.status._value_ if leg.status is not None else ""
        if runner.extra_params is not None:
            params.update(runner.extra_params())
        if effect.params:
            params.update(effect.params)
        serial = runner.pend(effect)

        def done(result: FetchResult) -> None:
            if runner.serial != serial or runner.effect is not effect:
                return  # the verb was cut short: the answer is discarded
            runner.settle()
            outcome: e.Outcome
            if result.error is not None:
                self.error(leg, *result.error)
                outcome = e.FetchFailed(*result.error)
            else:
                assert result.document is not None
                outcome = e.Fetched(result.document, result.url)
            runner.resume(outcome)

        request = Request(
            effect.kind, effect.method, effect.url, params, leg.sid, leg.account.auth_token
        )
        self.loader.fetch(request, self.scheduler, self.journal.requests, done)
        return None

    def _fetch_ignored(self, runner: Runner, effect: e.FetchIgnored) -> e.Outcome | None:
        """Request a verb's action and discard the answer; a failure is recorded (§4.8). A new
        document waiting for the leg starts once this request has completed (calls-api §8.3).
        """
        leg = runner.leg
        params = self.params(leg)
        if runner.extra_params is not None:
            params.update(runner.extra_params())
        params.update(effect.params)
        handover = leg.handover
        if handover is not None:
            handover.hold()

        def done(result: FetchResult) -> None:
            if result.error is not None:
                self.error(leg, *result.error)
            if handover is not None:
                handover.release()

        request = Request(
            effect.kind, effect.method, effect.url, params, leg.sid, leg.account.auth_token
        )
        self.loader.fetch(request, self.scheduler, self.journal.requests, done)
        return e.DONE

    def _notify(self, runner: Runner, effect: e.Notify) -> e.Outcome | None:
        leg = runner.leg
        params = self.params(leg)
        params.update(effect.params)
        self.notify(leg, effect.url, effect.method, params)
        return e.DONE

    def _dial(self, runner: Runner, effect: e.DialOut) -> e.Outcome | None:
        if runner.leg.final:
            return e.DialResult(e.DialEnd.CANCELED, interrupt=e.Interrupt.HANGUP)
        return Dialing(self, runner, effect).start()

    def _sms(self, runner: Runner, effect: e.SendSms) -> e.Outcome | None:
        sid = self.sids.new("SM")
        self.event(runner.leg, "sms", {
            "to": effect.to, "from": effect.from_, "body": effect.body, "sid": sid,
        })  # fmt: skip
        return e.Sent(sid)

    def _email(self, runner: Runner, effect: e.SendEmail) -> e.Outcome | None:
        self.event(runner.leg, "email", {
            "to": effect.to, "from": effect.from_, "cc": effect.cc, "bcc": effect.bcc,
            "subject": effect.subject, "body": effect.body,
        })  # fmt: skip
        return e.DONE

    def _fax(self, runner: Runner, effect: e.SendFax) -> e.Outcome | None:
        sid = self.sids.new("FX")
        self.event(runner.leg, "fax", {
            "to": effect.to, "from": effect.from_, "url": effect.url, "sid": sid,
        })  # fmt: skip
        return e.Sent(sid)

    def _hangup(self, runner: Runner, effect: e.Hangup) -> e.Outcome | None:
        leg = runner.leg
        if not leg.final:
            status = Status.COMPLETED if leg.answered else Status(effect.unanswered_status)
            self.end_leg(leg, status, effect.cause)
        return e.DONE

    def _reject(self, runner: Runner, effect: e.RejectCall) -> e.Outcome | None:
        leg = runner.leg
        if not leg.final:
            self.event(leg, "reject", {"reason": effect.reason, "sip_code": effect.sip_code})
            self.end_leg(leg, Status.BUSY)
        return e.DONE

    def _note(self, runner: Runner, effect: e.Note) -> e.Outcome | None:
        # The journal copies the fields into the event's own dict.
        self.journal.event(self.scheduler.now_ms, runner.leg.sid, effect.type, effect.fields)
        return e.DONE

    def _warn(self, runner: Runner, effect: e.Warn) -> e.Outcome | None:
        self.error(runner.leg, effect.code, effect.message)
        return e.DONE

    # --- helpers for activities ------------------------------------------------------------------

    def side_program(
        self, leg: Leg, program_of: Callable[[Context], Any], ctx: Context, role: str,
        on_end: Callable[[Runner, Ending], None] | None = None,
    ) -> Runner:  # fmt: skip
        """A runner for a wait, screening or queue url program on `leg` (not yet started)."""
        return Runner(self, leg, program_of(ctx), ctx, role, on_end)

    def context(self, leg: Leg, url: str | None, mode: Mode) -> Context:
        return Context(url, answered=True, caller=leg.from_, called=leg.to, mode=mode)


def _deliver(runner: Runner, outcome: e.Outcome) -> None:
    runner.settle()
    runner.resume(outcome)


def _speech_delivery(runner: Runner, outcome: e.Speech) -> Callable[[], None]:
    return lambda: _deliver(runner, outcome)


def _activity_speech(activity: Any, text: str, confidence: float) -> Callable[[], None]:
    return lambda: activity.speech(text, confidence)


class _Ringing:
    """An outbound-api leg while it rings: the REST `Timeout`, then its document once answered."""

    __slots__ = ("engine", "timer")

    def __init__(self, engine: Engine, leg: Leg, timeout_ms: int) -> None:
        self.engine = engine
        self.timer: Timer | None = engine.scheduler.call_later(
            timeout_ms, lambda: self._timeout(leg)
        )

    def _timeout(self, leg: Leg) -> None:
        self.timer = None
        if leg.status is Status.RINGING or leg.status is Status.QUEUED:
            self.engine.end_leg(leg, Status.NO_ANSWER)

    def leg_answered(self, leg: Leg) -> None:
        self._stop(leg)
        if leg.start is not None:
            self.engine.run_program(leg, leg.start, answered=True)

    def leg_ended(self, leg: Leg) -> None:
        self._stop(leg)

    def _stop(self, leg: Leg) -> None:
        leg.activity = None
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
