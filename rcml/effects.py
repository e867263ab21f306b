"""Effects the interpreter yields and Outcomes it receives: its whole contract with the world.

The interpreter (`rcml.interpreter`) never does IO; a verb handler yields one of the effects below
and the engine answers with an outcome. Durations are integer milliseconds computed by the
interpreter. Media effects (`Speak`, `PlayAudio`, `PlayTones`, `Silence`, `HoldMusic`) carry what
their event shows, and the engine records that event when it starts them; every other event the
interpreter wants in the log is a `Note`.

| effect | outcomes |
|---|---|
| `Answer`, `Note`, `Warn`, `Notify`, `FetchIgnored`, `SendEmail`, `LeaveQueue` | `Done` |
| `Hangup`, `RejectCall` | `Done` |
| `Speak`, `PlayAudio`, `PlayTones`, `Silence` | `Done`, `Interrupted`; listening: `Keys`, `Speech`|
| `AwaitInput` | `Keys`, `Speech`, `TimedOut`, `Interrupted` |
| `HoldMusic`, `Idle` | `Interrupted` (they never end by themselves) |
| `RecordAudio` | `Recorded` |
| `Fetch` | `Fetched`, `FetchFailed`, `Interrupted` |
| `DialOut`, `DialQueue` | `DialResult` |
| `JoinConference` | `ConferenceResult` |
| `EnqueueCall` | `QueueResult` |
| `SendSms`, `SendFax` | `Sent` |

`Interrupted` (and the `interrupt` field of the richer results) tells the verb that the remote
party hung up (`Interrupt.HANGUP`: the verb finishes in post-hang-up mode, semantics §3.6) or that
the call was modified (`Interrupt.MODIFY`: the verb ends without running anything further,
calls-api §8).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from rcml import nodes as n


class Interrupt(StrEnum):
    """Why a pending effect was cut short."""

    HANGUP = "hangup"  # the remote party hung up, or the call was ended through the API
    MODIFY = "modify"  # live modification: a new document takes over


@dataclass(frozen=True, slots=True)
class InputSpec:
    """What a listening effect accepts from the caller (Gather barge-in and input collection).

    `start_keys`: while nothing has been collected, only these keys (and finish keys) count
    (Gather `startInputKey`); None once input has started.
    """

    dtmf: bool = True
    speech: bool = False
    start_keys: str | None = None
    finish_keys: str = ""

    def takes_keys(self, keys: str) -> bool:
        """Whether a key event carries at least one key this input would use."""
        if not self.dtmf:
            return False
        start = self.start_keys
        if start is None:
            return True
        finish = self.finish_keys
        return any(key in start or key in finish for key in keys)


# --- effects -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Effect:
    """Something the interpreter asks the world to do."""


@dataclass(frozen=True, slots=True)
class Answer(Effect):
    """Answer a ringing inbound leg (the engine ignores it on an answered leg)."""


@dataclass(frozen=True, slots=True)
class Speak(Effect):
    """Speak text (`say` event); lasts `duration_ms`."""

    text: str
    voice: str
    language: str
    loop: int
    duration_ms: int
    listen: InputSpec | None = None


@dataclass(frozen=True, slots=True)
class PlayAudio(Effect):
    """Play an audio URL (`play` event with `url`, `loop`); never fetched."""

    url: str
    loop: int
    duration_ms: int
    listen: InputSpec | None = None


@dataclass(frozen=True, slots=True)
class PlayTones(Effect):
    """Play keys as tones to the remote party (`play` event with `digits`)."""

    digits: str
    duration_ms: int
    listen: InputSpec | None = None


@dataclass(frozen=True, slots=True)
class Silence(Effect):
    """A `Pause` (`pause` event with `length` seconds)."""

    length: int
    duration_ms: int
    listen: InputSpec | None = None


@dataclass(frozen=True, slots=True)
class HoldMusic(Effect):
    """Wait music played in a loop until the wait ends (`play` event, `loop` 0); never fetched."""

    url: str


@dataclass(frozen=True, slots=True)
class Idle(Effect):
    """Silence until something else ends the wait (no event)."""


@dataclass(frozen=True, slots=True)
class AwaitInput(Effect):
    """Wait up to `timeout_ms` for input accepted by `listen`."""

    timeout_ms: int
    listen: InputSpec


@dataclass(frozen=True, slots=True)
class RecordAudio(Effect):
    """Record the remote party until a finish key, `timeout_ms` of silence (0: never) or
    `max_length_ms`. The engine keeps the media clock: it reports the duration, with trailing
    silence removed when the silence timeout ended it, and 0 when the caller never spoke.
    """

    max_length_ms: int
    timeout_ms: int
    finish_keys: str


@dataclass(frozen=True, slots=True)
class Fetch(Effect):
    """Request a document (`kind`: rcml, fallback, action, redirect, screening, wait).

    `params` holds the verb's own parameters; the engine adds the leg's standard parameters
    (semantics §4.2) at the instant the request is made, and for `wait` and `screening` requests
    of a queued or dequeued call the queue parameters of §2.13 / §2.7.8.
    """

    kind: str
    url: str
    method: str
    params: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class FetchIgnored(Effect):
    """A verb's `action` after a live modification: requested, its answer discarded (calls-api
    §8.3 step 2). Done at once; the engine records a failure and starts a modification's `Url`
    document only once this request has completed.
    """

    kind: str
    url: str
    method: str
    params: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Notify(Effect):
    """A `status-callback` request whose response nobody waits for (failures are recorded)."""

    url: str
    method: str
    params: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class ProgressCallback:
    """A call-progress registration for a dialed leg (semantics §6.1)."""

    url: str
    method: str
    events: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Branch:
    """One party a `DialOut` calls: the target's address (its `To`), kind and what goes with it."""

    kind: str  # "number", "client" or "sip"
    address: str
    headers: tuple[tuple[str, str], ...] = ()
    send_digits: str | None = None
    screen_url: str | None = None  # as written; the screening program resolves it
    screen_method: str = "POST"
    callback: ProgressCallback | None = None
    parameters: tuple[tuple[str, str], ...] = ()
    video: Mapping[str, Any] | None = None  # <Video> settings: a `video` event on the leg


@dataclass(frozen=True, slots=True)
class DialOut(Effect):
    """Ring `branches`; first answer wins; screen, bridge, and report how the Dial ended."""

    branches: tuple[Branch, ...]
    timeout_ms: int
    time_limit_ms: int
    caller_id: str
    record: bool = False
    hangup_on_star: bool = False
    answer_on_bridge: bool = False
    sequential: bool = False
    base_url: str | None = None  # the dialing document's URL, for screening URLs


@dataclass(frozen=True, slots=True)
class JoinConference(Effect):
    """Join a room; wait (with wait music) until it starts; stay until leaving (2.7.7)."""

    name: str
    muted: bool
    beep: str
    start_on_enter: bool
    end_on_exit: bool
    wait_url: str | None
    wait_method: str
    max_participants: int
    time_limit_ms: int
    hangup_on_star: bool
    base_url: str | None = None
    extras: Mapping[str, Any] | None = None  # TwiML attributes recorded in the join event
    video: Mapping[str, Any] | None = None  # <Video> settings: a `video` event on the member


@dataclass(frozen=True, slots=True)
class DialQueue(Effect):
    """Take the first call out of a queue (waiting up to `timeout_ms`) and bridge it (2.7.8)."""

    name: str
    url: str | None
    method: str
    timeout_ms: int
    time_limit_ms: int
    hangup_on_star: bool = False
    record: bool = False
    base_url: str | None = None


@dataclass(frozen=True, slots=True)
class EnqueueCall(Effect):
    """Wait in a queue, hearing `wait_url`, until dequeued, `<Leave>`, hang-up (2.13)."""

    name: str
    wait_url: str | None
    wait_method: str
    base_url: str | None = None


@dataclass(frozen=True, slots=True)
class LeaveQueue(Effect):
    """`<Leave>` in a queue wait document: the call's `Enqueue` ends with `leave`."""


@dataclass(frozen=True, slots=True)
class SendSms(Effect):
    """Send a text message (`sms` event with the new `SM…` sid)."""

    to: str
    from_: str
    body: str


@dataclass(frozen=True, slots=True)
class SendEmail(Effect):
    """Send an e-mail (`email` event)."""

    to: str
    from_: str
    cc: str | None
    bcc: str | None
    subject: str
    body: str


@dataclass(frozen=True, slots=True)
class SendFax(Effect):
    """Send a fax of `url` (`fax` event with the new `FX…` sid)."""

    to: str
    from_: str
    url: str


@dataclass(frozen=True, slots=True)
class Hangup(Effect):
    """End the leg (`hangup` event with `cause`): `completed` when answered, else
    `unanswered_status` (`completed` at the end of a document, `failed` after a fetch failure).
    """

    cause: str
    unanswered_status: str = "completed"


@dataclass(frozen=True, slots=True)
class RejectCall(Effect):
    """Refuse a ringing call: status `busy`, `reject` event."""

    reason: str
    sip_code: int


@dataclass(frozen=True, slots=True)
class Note(Effect):
    """A pure event for the log (gather, gather-end, record, record-end, redirect, dial…)."""

    type: str
    fields: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Warn(Effect):
    """A runtime problem for the `errors` list (a warning such as 99001, or an error)."""

    code: int
    message: str


# --- outcomes ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of an effect."""


@dataclass(frozen=True, slots=True)
class Done(Outcome):
    """The effect ran to its end."""


@dataclass(frozen=True, slots=True)
class Keys(Outcome):
    """The remote party pressed `digits` (one key event, possibly several keys)."""

    digits: str


@dataclass(frozen=True, slots=True)
class Speech(Outcome):
    """The remote party said `text`."""

    text: str
    confidence: float = 0.9


@dataclass(frozen=True, slots=True)
class TimedOut(Outcome):
    """No input arrived in time."""


@dataclass(frozen=True, slots=True)
class Interrupted(Outcome):
    """The effect was cut short (see `Interrupt`)."""

    cause: Interrupt


@dataclass(frozen=True, slots=True)
class Recorded(Outcome):
    """A recording ended. `recording_sid`/`recording_url` only for a non-empty recording;
    `digits` is the finish key, `"hangup"`, or None.
    """

    duration_ms: int
    digits: str | None = None
    recording_sid: str | None = None
    recording_url: str | None = None
    interrupt: Interrupt | None = None


@dataclass(frozen=True, slots=True)
class Fetched(Outcome):
    """A usable document, and the URL it came from (after redirects)."""

    document: n.Response
    url: str


@dataclass(frozen=True, slots=True)
class FetchFailed(Outcome):
    """The request failed (already recorded in `errors`)."""

    code: int
    message: str


class DialEnd(StrEnum):
    """What ended a Dial, as the engine saw it; the interpreter turns it into DialCallStatus."""

    BRIDGED = "bridged"  # a branch was bridged; the bridge has ended
    SCREENED_OUT = "screened-out"  # a branch answered but its screening did not end in a bridge
    CANCELED = "canceled"  # caller hang-up, modification, or every ringing branch canceled by API
    TIMEOUT = "timeout"  # the ring timeout expired
    EXHAUSTED = "exhausted"  # every branch ended by itself, or none could be created


@dataclass(frozen=True, slots=True)
class BranchReport:
    """One dialed leg as the Dial saw it when it ended."""

    sid: str
    status: str
    created_ms: int
    answered_ms: int | None
    ended_ms: int  # when the leg stopped taking part in the Dial
    ringing_at_end: bool  # still ringing just before the change that ended the Dial


@dataclass(frozen=True, slots=True)
class DialResult(Outcome):
    """How a `DialOut` or `DialQueue` ended."""

    end: DialEnd
    branches: tuple[BranchReport, ...] = ()
    winner: str | None = None  # the branch that answered, if one did
    interrupt: Interrupt | None = None
    recording_duration_ms: int = 0
    recording_sid: str | None = None
    recording_url: str | None = None
    queue_sid: str | None = None
    queue_time_ms: int | None = None
    bridge_ms: int = 0  # DialQueue: how long the bridge lasted


@dataclass(frozen=True, slots=True)
class ConferenceResult(Outcome):
    """How a `JoinConference` ended; `joined` is False when the room was full (error 16020)."""

    joined: bool
    interrupt: Interrupt | None = None


@dataclass(frozen=True, slots=True)
class QueueResult(Outcome):
    """How an `EnqueueCall` ended: `result` is the `QueueResult` parameter."""

    result: str
    queue_sid: str
    queue_time_ms: int
    interrupt: Interrupt | None = None


@dataclass(frozen=True, slots=True)
class Sent(Outcome):
    """A message was sent; `sid` is its new sid."""

    sid: str


# The stateless effects and outcomes are shared instances: nothing to allocate on the hot path.
ANSWER = Answer()
IDLE = Idle()
LEAVE_QUEUE = LeaveQueue()
DONE = Done()
TIMED_OUT = TimedOut()
HUNG_UP = Interrupted(Interrupt.HANGUP)
MODIFIED = Interrupted(Interrupt.MODIFY)
