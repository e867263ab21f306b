"""The sans-IO interpreter: RCML verb semantics as generators yielding Effects, receiving Outcomes.

A *program* is a generator run by the engine for one leg: `call_program` (a call's documents),
`screening_program` (a Dial noun's `url` on the callee), `wait_program` (conference and queue wait
music or documents) and `queue_url_program` (a `<Queue>` noun's `url` on the dequeued call). Each
program runs documents verb by verb through a handler table (`HANDLERS`, one generator per verb
class); every handler yields effects from `rcml.effects` and returns a `Step`: None (go on with the
next verb), a `Goto` (a fetched document replaces the current one) or `STOP` (nothing more runs).

Nothing in here holds a resource: whatever an effect started in the world belongs to the engine, so
`close()` on a program at any yield leaves nothing behind once the engine has cancelled the pending
effect. Interruptions that need verb semantics (hang-up, live modification) arrive as outcomes.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any, TypeAlias

from rcml import nodes as n
from rcml import targets
from rcml.effects import (
    ANSWER,
    DONE,
    IDLE,
    LEAVE_QUEUE,
    AwaitInput,
    Branch,
    BranchReport,
    ConferenceResult,
    DialEnd,
    DialOut,
    DialQueue,
    DialResult,
    Effect,
    EnqueueCall,
    Fetch,
    Fetched,
    FetchFailed,
    FetchIgnored,
    Hangup,
    HoldMusic,
    InputSpec,
    Interrupt,
    Interrupted,
    JoinConference,
    Keys,
    Note,
    Notify,
    Outcome,
    PlayAudio,
    PlayTones,
    ProgressCallback,
    QueueResult,
    RecordAudio,
    Recorded,
    RejectCall,
    SendEmail,
    SendFax,
    SendSms,
    Sent,
    Silence,
    Speak,
    Speech,
    TimedOut,
    Warn,
)
from rcml.http import UrlError
from rcml.http import resolve_url as _resolve_url

WORD_MS = 400  # spoken text: 0.4 s per word
PLAY_MS = 5000  # one play of an audio URL
TONE_MS = 500  # one key tone (or a 'w' wait)
BREAK_MS = 500  # an SSML <break> without a time
LOOP_FOREVER = 1000  # loop="0"
HOLD_MUSIC = "builtin:hold-music"
SIP_CODES = {"rejected": 603, "busy": 486}
NO_PARAMS: Mapping[str, str] = MappingProxyType({})


# URL resolution is pure and documents reuse the same few URLs: remember recent answers (an
# UrlError is not remembered, it is raised again each time).
resolve_url = functools.lru_cache(maxsize=4096)(_resolve_url)


def seconds(ms: int) -> int:
    """Whole seconds, rounded half up, of a millisecond duration (semantics §0)."""
    return (ms + 500) // 1000


class Mode(StrEnum):
    """What a program runs: the verbs allowed and what the end of a document means."""

    CALL = "call"  # a leg's own documents
    SCREENING = "screening"  # a Dial noun's url, on the callee, before the bridge
    CONFERENCE_WAIT = "conference-wait"  # a conference waitUrl document
    QUEUE_WAIT = "queue-wait"  # an Enqueue waitUrl document
    QUEUE_URL = "queue-url"  # a Queue noun's url, on the dequeued call


class Ending(StrEnum):
    """How a program ended."""

    END = "end"  # its documents ran out (screening and queue url: the bridge follows)
    STOPPED = "stopped"  # hang-up, rejection, failure, or interruption


class Context:
    """The state one program keeps about its leg. The engine creates it and may read it."""

    __slots__ = ("url", "answered", "hung_up", "caller", "called", "mode", "handlers", "media_ms")

    def __init__(
        self,
        url: str | None = None,
        *,
        answered: bool = False,
        caller: str = "",
        called: str = "",
        mode: Mode = Mode.CALL,
    ) -> None:
        self.url = url  # the current document URL (§4.4); None for an inline document
        self.answered = answered
        self.hung_up = False  # post-hang-up mode (§3.6)
        self.caller = caller  # the leg's From
        self.called = called  # the leg's To
        self.mode = mode
        self.handlers = MODE_HANDLERS[mode]
        self.media_ms = 0  # media time spent by the current wait document run


@dataclass(frozen=True, slots=True)
class Goto:
    """A fetched document replaces the current one."""

    document: n.Response
    url: str | None


class _Stop:
    __slots__ = ()

    def __repr__(self) -> str:
        return "STOP"


STOP = _Stop()
Step: TypeAlias = Goto | _Stop | None
Program: TypeAlias = Generator[Effect, Outcome, Ending]
VerbRun: TypeAlias = Generator[Effect, Outcome, Step]
Handler: TypeAlias = Callable[[Any, Context], VerbRun]


@dataclass(frozen=True, slots=True)
class FetchStart:
    """A program that begins by requesting its document, with an optional fallback (§4.8)."""

    url: str
    method: str = "POST"
    fallback_url: str | None = None
    fallback_method: str = "POST"


@dataclass(frozen=True, slots=True)
class InlineStart:
    """A program that begins with a document in hand (REST `Twiml`, scenario flows run inline)."""

    document: n.Response
    url: str | None = None


# --- programs ------------------------------------------------------------------------------------


def call_program(ctx: Context, start: FetchStart | InlineStart) -> Program:
    """A leg's documents, from the first (fetched, with fallback, or inline) to the last."""
    if isinstance(start, InlineStart):
        return (yield from run_documents(ctx, start.document, start.url))
    fetched = yield from _fetch_first(ctx, start)
    if fetched is None:
        return Ending.STOPPED
    return (yield from run_documents(ctx, fetched.document, fetched.url))


def _fetch_first(ctx: Context, start: FetchStart) -> Generator[Effect, Outcome, Fetched | None]:
    failure = yield from _try_fetch(ctx, "rcml", start.url, start.method, NO_PARAMS)
    if isinstance(failure, Fetched) or failure is None:
        return failure
    code, failed_url = failure
    if start.fallback_url is not None:
        params = {"ErrorCode": str(code), "ErrorUrl": failed_url}
        fallback = start.fallback_url
        failure = yield from _try_fetch(ctx, "fallback", fallback, start.fallback_method, params)
        if isinstance(failure, Fetched) or failure is None:
            return failure
    yield from _fetch_failed(ctx)
    return None


def _try_fetch(
    ctx: Context, kind: str, ref: str, method: str, params: Mapping[str, str]
) -> Generator[Effect, Outcome, Fetched | tuple[int, str] | None]:
    """Fetched; or (code, url) of a failure; or None when interrupted while in flight."""
    try:
        url = resolve_url(ctx.url, ref)
    except UrlError as problem:
        yield Warn(problem.code, problem.message)
        return problem.code, ref
    outcome = yield Fetch(kind, url, method, params)
    if type(outcome) is Fetched:
        return outcome
    if type(outcome) is FetchFailed:
        return outcome.code, url
    return None


def screening_program(ctx: Context, ref: str, method: str) -> Program:
    """A Dial noun's `url` on the answered callee (2.7.4). Ending.END means: bridge now."""
    outcome = yield from _try_fetch(ctx, "screening", ref, method, NO_PARAMS)
    if type(outcome) is not Fetched:
        if outcome is not None:
            yield Hangup("fetch-failure")
        return Ending.STOPPED
    return (yield from run_documents(ctx, outcome.document, outcome.url))


def queue_url_program(ctx: Context, ref: str, method: str) -> Program:
    """A `<Queue>` noun's `url` on the dequeued call (2.7.8 step 2); the bridge follows whatever
    happens (a failed fetch is recorded and skipped: the spec gives it no other consequence).
    """
    outcome = yield from _try_fetch(ctx, "screening", ref, method, NO_PARAMS)
    if type(outcome) is not Fetched:
        return Ending.END if outcome is not None else Ending.STOPPED
    return (yield from run_documents(ctx, outcome.document, outcome.url))


def wait_program(ctx: Context, ref: str | None, method: str) -> Program:
    """Wait music for a conference participant or a queued caller (2.7.7 step 3, 2.13 step 2).

    Runs until the engine closes it: built-in music, a looped audio file, or a document requested
    again each time it ends (unless that run took no time: then silence).
    """
    if ref is None:
        yield HoldMusic(HOLD_MUSIC)
        return Ending.STOPPED
    try:
        url = resolve_url(ctx.url, ref)
    except UrlError as problem:
        yield Warn(problem.code, problem.message)
        yield IDLE
        return Ending.STOPPED
    if url.split("?", 1)[0].split("#", 1)[0].lower().endswith((".wav", ".mp3")):
        yield HoldMusic(url)
        return Ending.STOPPED
    while True:
        outcome = yield Fetch("wait", url, method, NO_PARAMS)
        if type(outcome) is not Fetched:
            if type(outcome) is FetchFailed:
                yield IDLE
            return Ending.STOPPED
        ctx.media_ms = 0
        ending = yield from run_documents(ctx, outcome.document, outcome.url)
        if ending is not Ending.END:
            return ending
        if ctx.media_ms == 0:
            yield IDLE
            return Ending.STOPPED


def run_documents(ctx: Context, document: n.Response, url: str | None) -> Program:
    """Run `document` and every document that replaces it, then end as the mode says (§3.5)."""
    while True:
        ctx.url = url
        if ctx.mode is Mode.CONFERENCE_WAIT:
            refused = _refused_in_conference_wait(document)
            if refused is not None:
                yield refused
                yield IDLE
                return Ending.STOPPED
        handlers = ctx.handlers
        for verb in document.verbs:
            if ctx.hung_up and type(verb) not in POST_HANGUP_VERBS:
                continue
            step = yield from handlers[type(verb)](verb, ctx)
            if step is None:
                continue
            if step is STOP:
                return Ending.STOPPED
            assert isinstance(step, Goto)
            document, url = step.document, step.url
            break
        else:
            if ctx.mode is Mode.CALL and not ctx.hung_up:
                yield Hangup("end-of-document")
            return Ending.END


def _refused_in_conference_wait(document: n.Response) -> Warn | None:
    for verb in document.verbs:
        if type(verb) not in CONFERENCE_WAIT_VERBS:
            return Warn(13238, f"<{verb.tag}> is not allowed in a conference wait document; "
                        "allowed: <Say>, <Play>, <Pause>, <Redirect>")  # fmt: skip
    return None


# --- shared pieces -------------------------------------------------------------------------------


def _resolve(ctx: Context, ref: str | None) -> str | None:
    """`ref` resolved against the document URL, or None if it cannot be."""
    if ref is None:
        return None
    try:
        return resolve_url(ctx.url, ref)
    except UrlError:
        return None


def _interrupted(ctx: Context, outcome: Outcome) -> Step:
    """After a media effect was cut short: hang-up goes on in post-hang-up mode, modify stops."""
    assert isinstance(outcome, Interrupted)
    if outcome.cause is Interrupt.HANGUP:
        ctx.hung_up = True
        return None
    return STOP


def _fetch_failed(ctx: Context) -> VerbRun:
    """What a failed document request means in this program (§4.8)."""
    mode = ctx.mode
    if mode is Mode.CALL:
        if not ctx.hung_up:
            yield Hangup("fetch-failure", "failed")
    elif mode is Mode.SCREENING:
        yield Hangup("fetch-failure")
    elif mode is not Mode.QUEUE_URL:
        yield IDLE  # a wait: silence until the wait ends
    return STOP


def _request(ctx: Context, kind: str, ref: str, method: str, params: Mapping[str, str]) -> VerbRun:
    """An action or redirect request whose response replaces the current document."""
    try:
        url = resolve_url(ctx.url, ref)
    except UrlError as problem:
        yield Warn(problem.code, problem.message)
        return (yield from _fetch_failed(ctx))
    outcome = yield Fetch(kind, url, method, params)
    if type(outcome) is Fetched:
        return Goto(outcome.document, outcome.url)
    if type(outcome) is FetchFailed:
        return (yield from _fetch_failed(ctx))
    return STOP  # interrupted in flight: the response is discarded and nothing more runs


def _request_ignored(ctx: Context, ref: str, method: str, params: Mapping[str, str]) -> VerbRun:
    """A verb's action after a live modification: requested, response ignored (calls-api §8.3)."""
    try:
        url = resolve_url(ctx.url, ref)
    except UrlError as problem:
        yield Warn(problem.code, problem.message)
        return STOP
    yield FetchIgnored("action", url, method, params)
    return STOP


def _after_connection(
    ctx: Context, action: str | None, method: str, params: Mapping[str, str], cut: Interrupt | None
) -> VerbRun:
    """How Dial, Conference and Enqueue go on (2.7.3 step 8, 2.13 step 4, calls-api §8.3)."""
    if cut is Interrupt.MODIFY:
        if action is None:
            return STOP
        return (yield from _request_ignored(ctx, action, method, params))
    if cut is Interrupt.HANGUP:
        ctx.hung_up = True
    if action is None:
        return None
    return (yield from _request(ctx, "action", action, method, params))


def _notify(ctx: Context, ref: str, method: str, params: Mapping[str, str]) -> VerbRun:
    try:
        url = resolve_url(ctx.url, ref)
    except UrlError as problem:
        yield Warn(problem.code, problem.message)
        return None
    yield Notify(url, method, params)
    return None


# --- media ---------------------------------------------------------------------------------------

_BREAK_TIME = re.compile(r"\s*([0-9]+(?:\.[0-9]*)?)\s*(ms|s)\s*", re.ASCII | re.IGNORECASE)


def _break_ms(attributes: tuple[tuple[str, str], ...]) -> int:
    time = dict(attributes).get("time")
    match = _BREAK_TIME.fullmatch(time) if time else None
    if match is None:
        return BREAK_MS
    value = float(match[1])
    return int(value if match[2].lower() == "ms" else value * 1000)


def _ssml_breaks(content: tuple[str | n.Ssml, ...]) -> int:
    total = 0
    for item in content:
        if isinstance(item, n.Ssml):
            total += _break_ms(item.attributes) if item.name == "break" else 0
            total += _ssml_breaks(item.content)
    return total


def say_effect(verb: n.Say, listen: InputSpec | None = None) -> Speak | None:
    """The Speak of a Say, or None when there is nothing to say (no event, no time)."""
    text = verb.spoken_text
    pause_ms = _ssml_breaks(verb.ssml) if verb.ssml else 0
    if not text and not pause_ms:
        return None
    repeats = verb.loop or LOOP_FOREVER
    duration = (WORD_MS * len(text.split()) + pause_ms) * repeats
    return Speak(text, verb.voice, verb.language, verb.loop, duration, listen)


def play_effect(
    verb: n.Play, ctx: Context, listen: InputSpec | None = None
) -> PlayAudio | PlayTones:
    if verb.digits:
        return PlayTones(verb.digits, TONE_MS * len(verb.digits), listen)
    # Audio is never fetched, so a URL that cannot be resolved is shown as written (2.2).
    url = _resolve(ctx, verb.url) or verb.url
    return PlayAudio(url, verb.loop, PLAY_MS * (verb.loop or LOOP_FOREVER), listen)


def pause_effect(verb: n.Pause, listen: InputSpec | None = None) -> Silence:
    return Silence(verb.length, 1000 * verb.length, listen)


def _media(ctx: Context, effect: Speak | PlayAudio | PlayTones | Silence) -> VerbRun:
    outcome = yield effect
    if outcome is DONE:
        ctx.media_ms += effect.duration_ms
        return None
    return _interrupted(ctx, outcome)


# --- verbs ---------------------------------------------------------------------------------------


def run_say(verb: n.Say, ctx: Context) -> VerbRun:
    if not ctx.answered:
        ctx.answered = True
        yield ANSWER
    effect = say_effect(verb)
    if effect is None:
        return None
    return (yield from _media(ctx, effect))


def run_play(verb: n.Play, ctx: Context) -> VerbRun:
    if not ctx.answered:
        ctx.answered = True
        yield ANSWER
    return (yield from _media(ctx, play_effect(verb, ctx)))


def run_pause(verb: n.Pause, ctx: Context) -> VerbRun:
    # Pause does not answer: a ringing caller keeps hearing ringback (2.3).
    return (yield from _media(ctx, pause_effect(verb)))


def run_gather(verb: n.Gather, ctx: Context) -> VerbRun:
    """2.4: prompts with barge-in, keys and speech, the inter-key timer, then the action."""
    if not ctx.answered:
        ctx.answered = True
        yield ANSWER
    dtmf = "dtmf" in verb.input
    finish = verb.finish_on_key
    start_keys = verb.start_input_key
    waiting = InputSpec(dtmf, "speech" in verb.input, start_keys, finish)
    started = InputSpec(dtmf, "speech" in verb.input, None, finish)
    action = verb.action
    shown_action = (_resolve(ctx, action) or action) if action is not None else ctx.url
    yield Note("gather", {
        "input": " ".join(verb.input),
        "timeout": verb.timeout,
        "finish_on_key": finish,
        "num_digits": verb.num_digits,
        "action": shown_action,
    })  # fmt: skip
    outcome: Outcome = DONE
    for prompt in verb.prompts:
        effect = _prompt_effect(prompt, ctx, waiting)
        if effect is None:
            continue
        outcome = yield effect
        if outcome is not DONE:
            break
        ctx.media_ms += effect.duration_ms
    digits = ""
    speech: Speech | None = None
    reason = finished_on = None
    limit = verb.num_digits
    while True:
        kind = type(outcome)
        if kind is Keys:
            assert isinstance(outcome, Keys)
            for key in outcome.digits:
                if key in finish:
                    reason, finished_on = "finish-key", key
                    break
                if not digits and key not in start_keys:
                    continue
                digits += key
                if limit is not None and len(digits) >= limit:
                    reason = "num-digits"
                    break
        elif kind is Speech:
            assert isinstance(outcome, Speech)
            speech, reason = outcome, "speech"
        elif kind is TimedOut:
            ctx.media_ms += verb.timeout * 1000
            reason = "timeout"
        elif kind is Interrupted:
            assert isinstance(outcome, Interrupted)
            reason = "hangup" if outcome.cause is Interrupt.HANGUP else "modified"
        if reason is not None:
            break
        outcome = yield AwaitInput(verb.timeout * 1000, started if digits else waiting)
    yield Note("gather-end", {
        "digits": digits, "speech": speech.text if speech else None, "reason": reason,
    })  # fmt: skip
    if reason == "hangup":
        ctx.hung_up = True  # input discarded, no request (§3.6)
        return None
    if reason == "modified":
        return STOP
    if not digits and speech is None and not verb.action_on_empty_result:
        return None
    target = action if action is not None else ctx.url
    if target is None:
        return None  # inline document without action (2.4 step 8)
    params: dict[str, str] = {}
    if speech is not None:
        params["SpeechResult"] = speech.text
        params["Confidence"] = str(speech.confidence)
    elif dtmf:
        params["Digits"] = digits
    if finished_on is not None:
        params["FinishedOnKey"] = finished_on
    return (yield from _request(ctx, "action", target, verb.method, params))


def _prompt_effect(
    prompt: n.Say | n.Play | n.Pause, ctx: Context, listen: InputSpec
) -> Speak | PlayAudio | PlayTones | Silence | None:
    if type(prompt) is n.Say:
        return say_effect(prompt, listen)
    if type(prompt) is n.Play:
        return play_effect(prompt, ctx, listen)
    assert isinstance(prompt, n.Pause)
    return pause_effect(prompt, listen)


def run_record(verb: n.Record, ctx: Context) -> VerbRun:
    """2.5: record until a finish key, silence, the length limit or hang-up; then the action."""
    if not ctx.answered:
        ctx.answered = True
        yield ANSWER
    finish = "" if verb.finish_on_key == "-1" else verb.finish_on_key
    yield Note("record", {
        "max_length": verb.max_length, "timeout": verb.timeout, "finish_on_key": finish,
        "beep": verb.play_beep,
    })  # fmt: skip
    outcome = yield RecordAudio(verb.max_length * 1000, verb.timeout * 1000, finish)
    assert isinstance(outcome, Recorded)
    duration = seconds(outcome.duration_ms)
    yield Note("record-end", {
        "duration": duration, "recording_sid": outcome.recording_sid,
        "recording_url": outcome.recording_url, "digits": outcome.digits,
    })  # fmt: skip
    if outcome.recording_sid is not None and verb.recording_status_callback is not None:
        params = _recording_params(outcome, duration, RecordingStatus="completed")
        method = verb.recording_status_callback_method
        yield from _notify(ctx, verb.recording_status_callback, method, params)
    if outcome.interrupt is Interrupt.MODIFY:
        return STOP  # saved, but the action is not requested (calls-api §8.3)
    if outcome.interrupt is Interrupt.HANGUP:
        ctx.hung_up = True
    target = verb.action if verb.action is not None else ctx.url
    if target is None:
        return None
    params = _recording_params(outcome, duration)
    if outcome.digits is not None:
        params["Digits"] = outcome.digits
    return (yield from _request(ctx, "action", target, verb.method, params))


def _recording_params(outcome: Recorded, duration: int, **extra: str) -> dict[str, str]:
    params = {"RecordingDuration": str(duration)}
    if outcome.recording_sid is not None and outcome.recording_url is not None:
        params["RecordingSid"] = outcome.recording_sid
        params["RecordingUrl"] = outcome.recording_url
    params.update(extra)
    return params


def run_redirect(verb: n.Redirect, ctx: Context) -> VerbRun:
    if not ctx.answered:
        ctx.answered = True
        yield ANSWER
    yield Note("redirect", {"url": _resolve(ctx, verb.url) or verb.url})
    kind = "wait" if ctx.mode in WAIT_MODES else "redirect"
    return (yield from _request(ctx, kind, verb.url, verb.method, NO_PARAMS))


def run_hangup(verb: n.Hangup, ctx: Context) -> VerbRun:
    if not ctx.answered:
        ctx.answered = True
        yield ANSWER
    yield Hangup("verb")
    return STOP


def run_reject(verb: n.Reject, ctx: Context) -> VerbRun:
    if ctx.answered:
        yield Warn(99001, "<Reject> skipped: the call is already answered")
        return None
    yield RejectCall(verb.reason, SIP_CODES[verb.reason])
    return STOP


def run_leave(verb: n.Leave, ctx: Context) -> VerbRun:
    if ctx.mode is Mode.QUEUE_WAIT:
        yield LEAVE_QUEUE
        return STOP
    if not ctx.answered:
        ctx.answered = True
        yield ANSWER
    yield Warn(99004, "<Leave> ignored: the call is not waiting in a queue")
    return None


def run_sms(verb: n.Sms, ctx: Context) -> VerbRun:
    """2.9: runs in post-hang-up mode too; its action's document then runs in that mode."""
    if not ctx.answered and not ctx.hung_up:
        ctx.answered = True
        yield ANSWER
    sent = yield SendSms(verb.to or ctx.caller, verb.from_ or ctx.called, verb.body)
    assert isinstance(sent, Sent)
    params = {"SmsSid": sent.sid, "SmsStatus": "sent"}
    return (yield from _after_sending(ctx, verb, params))


def _after_sending(ctx: Context, verb: n.Sms | n.Fax, params: Mapping[str, str]) -> VerbRun:
    """A sent message's status callback, then its action (Sms 2.9, Fax 2.12)."""
    if verb.status_callback is not None:
        yield from _notify(ctx, verb.status_callback, "POST", params)
    if verb.action is None:
        return None
    return (yield from _request(ctx, "action", verb.action, verb.method, params))


def run_email(verb: n.Email, ctx: Context) -> VerbRun:
    if not ctx.answered and not ctx.hung_up:
        ctx.answered = True
        yield ANSWER
    yield SendEmail(verb.to, verb.from_, verb.cc, verb.bcc, verb.subject, verb.body)
    return None


def run_fax(verb: n.Fax, ctx: Context) -> VerbRun:
    if not ctx.answered:
        ctx.answered = True
        yield ANSWER
    url = _resolve(ctx, verb.url) or verb.url
    sent = yield SendFax(verb.to or ctx.caller, verb.from_ or ctx.called, url)
    assert isinstance(sent, Sent)
    params = {"FaxSid": sent.sid, "FaxStatus": "sent"}
    return (yield from _after_sending(ctx, verb, params))


def run_enqueue(verb: n.Enqueue, ctx: Context) -> VerbRun:
    """2.13: wait in the queue; then the action with QueueResult, or the next verb."""
    if not ctx.answered:
        ctx.answered = True
        yield ANSWER
    outcome = yield EnqueueCall(verb.name, verb.wait_url, verb.wait_url_method, ctx.url)
    assert isinstance(outcome, QueueResult)
    result = "redirected" if outcome.interrupt is Interrupt.MODIFY else outcome.result
    params = {
        "QueueResult": result,
        "QueueSid": outcome.queue_sid,
        "QueueTime": str(seconds(outcome.queue_time_ms)),
    }
    return (yield from _after_connection(ctx, verb.action, verb.method, params, outcome.interrupt))


# --- Dial ----------------------------------------------------------------------------------------


def run_dial(verb: n.Dial, ctx: Context) -> VerbRun:
    first = verb.nouns[0]
    if type(first) is n.Conference:
        return (yield from _run_conference(verb, first, ctx))
    if type(first) is n.Queue:
        return (yield from _run_dequeue(verb, first, ctx))
    if not ctx.answered and not verb.answer_on_bridge:
        ctx.answered = True
        yield ANSWER
    caller_id = verb.caller_id or ctx.caller
    branches = []
    for noun in verb.nouns:
        branch, problem = _branch(noun, ctx)
        if problem is not None:
            yield problem
        branches.append(branch)
    yield Note("dial", _dial_event(verb, branches, caller_id))
    outcome = yield DialOut(
        tuple(branches), verb.timeout * 1000, verb.time_limit * 1000, caller_id, verb.record,
        verb.hangup_on_star, verb.answer_on_bridge, verb.sequential, ctx.url,
    )  # fmt: skip
    assert isinstance(outcome, DialResult)
    if outcome.end is DialEnd.BRIDGED:
        ctx.answered = True  # answerOnBridge: the bridge answered the caller
    status, named = dial_status(outcome)
    params = {"DialCallStatus": status}
    if named is not None:
        params["DialCallSid"] = named.sid
        answered = named.answered_ms
        params["DialCallDuration"] = str(
            seconds(named.ended_ms - answered) if answered is not None else 0
        )
        params["DialRingDuration"] = str(
            seconds((answered if answered is not None else named.ended_ms) - named.created_ms)
        )
    _add_recording(params, outcome)
    if outcome.recording_sid is not None and verb.recording_status_callback is not None:
        yield from _notify(ctx, verb.recording_status_callback,
                           verb.recording_status_callback_method,
                           _dial_recording_params(outcome))  # fmt: skip
    return (yield from _after_connection(ctx, verb.action, verb.method, params, outcome.interrupt))


def dial_status(outcome: DialResult) -> tuple[str, BranchReport | None]:
    """DialCallStatus and the branch DialCallSid names, by the first rule of 2.7.5 that applies."""
    end = outcome.end
    branches = outcome.branches
    winner = None
    if outcome.winner is not None:
        winner = next(b for b in branches if b.sid == outcome.winner)
    if end is DialEnd.BRIDGED:
        return "completed", winner
    if end is DialEnd.SCREENED_OUT:
        return "no-answer", winner
    ringing = next((b for b in branches if b.ringing_at_end), None)
    if end is DialEnd.CANCELED:
        return "canceled", ringing or winner
    if end is DialEnd.TIMEOUT:
        return "no-answer", ringing
    status = "busy" if any(b.status == "busy" for b in branches) else "failed"
    return status, next((b for b in branches if b.status == status), None)


def _add_recording(params: dict[str, str], outcome: DialResult) -> None:
    duration = seconds(outcome.recording_duration_ms)
    if outcome.recording_sid is not None and outcome.recording_url is not None and duration:
        params["RecordingUrl"] = outcome.recording_url
        params["RecordingSid"] = outcome.recording_sid
        params["RecordingDuration"] = str(duration)


def _dial_recording_params(outcome: DialResult) -> dict[str, str]:
    assert outcome.recording_sid is not None and outcome.recording_url is not None
    return {
        "RecordingSid": outcome.recording_sid,
        "RecordingUrl": outcome.recording_url,
        "RecordingDuration": str(seconds(outcome.recording_duration_ms)),
        "RecordingStatus": "completed",
    }


def _branch(noun: n.Noun, ctx: Context) -> tuple[Branch, Warn | None]:
    """The Branch a Number, Client, Sip or Uri noun dials (2.7.2, 2.7.3)."""
    problem = None
    callback = None
    ref = getattr(noun, "status_callback", None)
    if ref is not None:
        try:
            url = resolve_url(ctx.url, ref)
        except UrlError as error:
            problem = Warn(error.code, error.message)
        else:
            method = getattr(noun, "status_callback_method", "POST")
            events = tuple(getattr(noun, "status_callback_event", ("completed",)))
            callback = ProgressCallback(url, method, events)
    send_digits = None
    parameters: tuple[tuple[str, str], ...] = ()
    if isinstance(noun, n.Number):
        number = targets.parse_number(noun.number)
        kind, address, headers = "number", number.address, number.headers
        send_digits = noun.send_digits
    elif isinstance(noun, n.Client):
        kind, address, headers = "client", "client:" + noun.name, ()
        parameters = tuple((p.name, p.value) for p in noun.parameters)
    else:
        assert isinstance(noun, n.SipNoun)
        sip = targets.parse_sip(noun.uri)
        kind, address, headers = "sip", sip.address, sip.headers
    url_ref = getattr(noun, "url", None)
    method = getattr(noun, "method", "POST")
    video = video_fields(getattr(noun, "video", None))
    branch = Branch(
        kind, address, headers, send_digits, url_ref, method, callback, parameters, video
    )
    return branch, problem


def video_fields(video: n.Video | None) -> dict[str, Any] | None:
    """The `video` event of a <Video> child (2.7.1: parsed, validated and recorded only)."""
    if video is None:
        return None
    return {
        "enable": video.enable,
        "mode": video.mode,
        "resolution": video.resolution,
        "layout": video.layout,
        "overlay": video.overlay,
    }


def _dial_event(verb: n.Dial, branches: list[Branch], caller_id: str) -> dict[str, Any]:
    event: dict[str, Any] = {
        "targets": [b.address for b in branches],
        "timeout": verb.timeout,
        "time_limit": verb.time_limit,
        "caller_id": caller_id,
        "record": verb.record,
    }
    # Plain loops and attribute reads: this runs for every Dial, and most have none of these.
    headers: dict[str, dict[str, str]] = {}
    parameters: dict[str, dict[str, str]] = {}
    for b in branches:
        if b.headers:
            headers[b.address] = dict(b.headers)
        if b.parameters:
            parameters[b.address] = dict(b.parameters)
    if headers:
        event["headers"] = headers
    if parameters:
        event["parameters"] = parameters
    credentials = {}
    for noun, noun_target in zip(verb.nouns, event["targets"], strict=True):
        if isinstance(noun, n.SipNoun) and (noun.username or noun.password):
            credentials[noun_target] = {"username": noun.username, "password": noun.password}
    if credentials:
        event["credentials"] = credentials
    if verb.hangup_on_star:
        event["hangup_on_star"] = True
    if verb.answer_on_bridge:
        event["answer_on_bridge"] = True
    if verb.sequential:
        event["sequential"] = True
    if verb.ring_tone is not None:
        event["ring_tone"] = verb.ring_tone
    if verb.trim is not None:
        event["trim"] = verb.trim
    if verb.recording_track is not None:
        event["recording_track"] = verb.recording_track
    return event


def _run_conference(verb: n.Dial, room: n.Conference, ctx: Context) -> VerbRun:
    """2.7.7: join, wait or talk, leave; then the action with DialCallStatus=completed."""
    if not ctx.answered:
        ctx.answered = True
        yield ANSWER
    recorded = (
        ("record", room.record),
        ("status_callback", room.status_callback),
        ("status_callback_event", room.status_callback_event),
    )
    extras = {key: value for key, value in recorded if value is not None}
    outcome = yield JoinConference(
        room.name, room.muted, room.beep, room.start_conference_on_enter,
        room.end_conference_on_exit, room.wait_url, room.wait_method, room.max_participants,
        verb.time_limit * 1000, verb.hangup_on_star, ctx.url, extras or None,
        video_fields(room.video),
    )  # fmt: skip
    assert isinstance(outcome, ConferenceResult)
    if not outcome.joined:
        return None  # full: skipped, no action (error 16020 recorded by the engine)
    params = {"DialCallStatus": "completed"}
    return (yield from _after_connection(ctx, verb.action, verb.method, params, outcome.interrupt))


def _run_dequeue(verb: n.Dial, queue: n.Queue, ctx: Context) -> VerbRun:
    """2.7.8: bridge to the first caller waiting in a queue (waiting for one up to `timeout`)."""
    if not ctx.answered:
        ctx.answered = True
        yield ANSWER
    outcome = yield DialQueue(
        queue.name, queue.url, queue.method, verb.timeout * 1000, verb.time_limit * 1000,
        verb.hangup_on_star, verb.record, ctx.url,
    )  # fmt: skip
    assert isinstance(outcome, DialResult)
    params: dict[str, str]
    if outcome.winner is not None:
        # 2.7.8 step 3 lists the parameters: no DialRingDuration for a dequeued call.
        params = {
            "DialCallStatus": "completed",
            "DialCallSid": outcome.winner,
            "DialCallDuration": str(seconds(outcome.bridge_ms)),
        }
        if outcome.queue_sid is not None and outcome.queue_time_ms is not None:
            params["QueueSid"] = outcome.queue_sid
            params["QueueTime"] = str(seconds(outcome.queue_time_ms))
    else:
        params = {"DialCallStatus": "canceled" if outcome.interrupt else "no-answer"}
    _add_recording(params, outcome)
    return (yield from _after_connection(ctx, verb.action, verb.method, params, outcome.interrupt))


# --- handler tables ------------------------------------------------------------------------------

HANDLERS: dict[type[n.Verb], Handler] = {
    n.Say: run_say,
    n.Play: run_play,
    n.Pause: run_pause,
    n.Gather: run_gather,
    n.Record: run_record,
    n.Redirect: run_redirect,
    n.Dial: run_dial,
    n.Hangup: run_hangup,
    n.Reject: run_reject,
    n.Sms: run_sms,
    n.Email: run_email,
    n.Fax: run_fax,
    n.Enqueue: run_enqueue,
    n.Leave: run_leave,
}

POST_HANGUP_VERBS: frozenset[type[n.Verb]] = frozenset((n.Sms, n.Email))
CONFERENCE_WAIT_VERBS: frozenset[type[n.Verb]] = frozenset({n.Say, n.Play, n.Pause, n.Redirect})
QUEUE_WAIT_VERBS: frozenset[type[n.Verb]] = frozenset(
    {n.Say, n.Play, n.Pause, n.Gather, n.Redirect, n.Hangup, n.Leave}
)
QUEUE_URL_VERBS: frozenset[type[n.Verb]] = frozenset({n.Say, n.Play, n.Pause, n.Redirect})
WAIT_MODES = frozenset({Mode.CONFERENCE_WAIT, Mode.QUEUE_WAIT})


def _dial_in_screening(verb: n.Verb, ctx: Context) -> VerbRun:
    yield Warn(13201, f"<{verb.tag}> is not allowed in a screening document")
    yield Hangup("screening")
    return STOP


def _not_in_queue_document(verb: n.Verb, ctx: Context) -> VerbRun:
    where = "queue wait" if ctx.mode is Mode.QUEUE_WAIT else "<Queue> url"
    yield Warn(99005, f"<{verb.tag}> is not allowed in a {where} document; the document stops")
    if ctx.mode is Mode.QUEUE_WAIT:
        yield IDLE
    return STOP


def _restricted(allowed: frozenset[type[n.Verb]], refuse: Handler) -> dict[type[n.Verb], Handler]:
    return {cls: handler if cls in allowed else refuse for cls, handler in HANDLERS.items()}


MODE_HANDLERS: dict[Mode, Mapping[type[n.Verb], Handler]] = {
    Mode.CALL: HANDLERS,
    Mode.SCREENING: {**HANDLERS, n.Dial: _dial_in_screening, n.Enqueue: _dial_in_screening},
    # Whole documents are checked before they run (run_documents), so every verb runs as usual.
    Mode.CONFERENCE_WAIT: HANDLERS,
    Mode.QUEUE_WAIT: _restricted(QUEUE_WAIT_VERBS, _not_in_queue_document),
    Mode.QUEUE_URL: _restricted(QUEUE_URL_VERBS, _not_in_queue_document),
}
