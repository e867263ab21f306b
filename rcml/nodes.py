"""The RCML AST: one frozen dataclass per verb and noun, with typed fields and documented defaults.

Every attribute field carries its XML name, value type and error code in its metadata (see `attr`);
`rcml.names` reads the table from there, so an attribute name is written exactly once. Source
positions (`span`) are kept out of equality: the XML and DSL readers produce equal trees.

Nodes are deliberately not slotted: a field's default lives on the class, so a reader builds a node
by storing only the values its document gives (`construct`), which is what keeps parse + validate
close to raw lxml speed (a Gather has twenty fields, most of them defaults). Documents are shared
between calls, so the per-node dictionary costs nothing that matters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from rcml import values as v

# Metadata keys on dataclass fields.
XML = "xml"  # attribute name in XML (attribute fields only)
TYPE = "type"  # rcml.values.ValueType
CODE = "code"  # error code for a bad value
REQUIRED = "required"  # attribute that must be present
TEXT = "text"  # a TextRule: the field holds the element's text
CHILDREN = "children"  # tuple of allowed child tags, the field holds child nodes
CHILD = "child"  # tag of an optional single child (Video)
SSML = "ssml"  # Say's mixed SSML content


@dataclass(frozen=True, slots=True)
class Span:
    """Where a node starts in its source: file name (or None), 1-based line and column."""

    file: str | None
    line: int
    col: int | None = None


@dataclass(frozen=True, slots=True)
class TextRule:
    """How an element's text is read: its kind, whether it is required, and its error codes.

    kind: "say" (whitespace collapsed), "url", "number", "client", "sip", "name" (a room or queue
    name), "body" (Sms/Email, internal whitespace kept), "dial" (target shorthand).
    `alias` names an attribute that may carry the same value when the text is empty.
    """

    kind: str
    required: bool = False
    check: v.ValueType | None = None
    code: int = 12200
    missing_code: int = 12200
    alias: str | None = None


def attr(
    xml: str, vtype: v.ValueType, default: Any = None, code: int = 12200, required: bool = False
) -> Any:
    """Declare an attribute field: its XML name, type, default and error code."""
    meta = {XML: xml, TYPE: vtype, CODE: code, REQUIRED: required}
    if required:
        return field(metadata=meta)
    return field(default=default, metadata=meta)


def text_of(rule: TextRule, default: str = "") -> Any:
    """Declare the field holding the element's text."""
    return field(default=default, metadata={TEXT: rule})


def children(*tags: str) -> Any:
    """Declare the field holding child nodes of the given tags, in document order."""
    return field(default=(), metadata={CHILDREN: tags})


def child(tag: str) -> Any:
    """Declare a field holding at most one child node of the given tag."""
    return field(default=None, metadata={CHILD: tag})


@dataclass(frozen=True, kw_only=True)
class Node:
    """Base of every AST node."""

    tag: ClassVar[str] = ""
    span: Span | None = field(default=None, compare=False, repr=False)


_new = object.__new__
# The instance-dict slot every node class inherits from Node: setting it hands a node its whole
# dictionary at once, past the frozen `__setattr__`.
_set_dict = Node.__dict__["__dict__"].__set__
_set_span_file = Span.__dict__["file"].__set__
_set_span_line = Span.__dict__["line"].__set__
_set_span_col = Span.__dict__["col"].__set__


def construct(cls: type[NodeT], values: dict[str, Any]) -> NodeT:
    """Build a node from already-checked field values; absent fields keep their class defaults.

    The readers' fast path: the validator has converted and checked every value, so the generated
    `__init__` (one frozen-attribute store per field) has nothing left to add. `values` becomes
    the node's own dictionary: the caller hands it over and must not touch it afterwards.
    """
    node = _new(cls)
    _set_dict(node, values)
    return node


def line_span(file: str | None, line: int) -> Span:
    """`Span(file, line)`, made without the frozen dataclass's per-field `object.__setattr__`."""
    span = _new(Span)
    _set_span_file(span, file)
    _set_span_line(span, line)
    _set_span_col(span, None)
    return span


@dataclass(frozen=True, kw_only=True)
class Verb(Node):
    """A direct child of <Response> (or a prompt of <Gather>)."""


@dataclass(frozen=True, kw_only=True)
class Noun(Node):
    """A child of <Dial> (or <Client>/<Sip>/<Conference> for Video and Parameter)."""


NodeT = TypeVar("NodeT", bound=Node)


# --- SSML inside <Say> -------------------------------------------------------------------------

SSML_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "break": ("time", "strength"),
    "emphasis": ("level",),
    "lang": ("xml:lang",),
    "p": (),
    "phoneme": ("alphabet", "ph"),
    "prosody": ("pitch", "rate", "volume"),
    "s": (),
    "say-as": ("interpret-as", "format", "role"),
    "sub": ("alias",),
    "w": ("role",),
}


@dataclass(frozen=True, kw_only=True)
class Ssml(Node):
    """An SSML element inside <Say>: its tag, attributes in table order, and mixed content."""

    name: str
    attributes: tuple[tuple[str, str], ...] = ()
    content: tuple[str | Ssml, ...] = ()


# --- verbs -------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Say(Verb):
    """Speak text. `text` holds plain text; with SSML markup `ssml` holds the mixed content."""

    tag = "Say"
    text: str = text_of(TextRule("say"))
    ssml: tuple[str | Ssml, ...] = field(default=(), metadata={SSML: True})
    voice: str = attr("voice", v.Voice(), "man", 13511)
    language: str = attr("language", v.LANG, "en")
    loop: int = attr("loop", v.Int(0, 1000), 1, 13510)

    @property
    def spoken_text(self) -> str:
        """The words spoken: the text, or the SSML content's text with <sub> spoken as its alias."""
        if not self.ssml:
            return self.text
        return " ".join("".join(_spoken(item) for item in self.ssml).split())


def _spoken(item: str | Ssml) -> str:
    if isinstance(item, str):
        return item
    if item.name == "sub":
        return dict(item.attributes).get("alias", "")
    return "".join(_spoken(part) for part in item.content)


@dataclass(frozen=True, kw_only=True)
class Play(Verb):
    """Play an audio URL (or, with `digits`, key tones)."""

    tag = "Play"
    url: str = text_of(TextRule("url"))
    loop: int = attr("loop", v.Int(0, 1000), 1, 13410)
    digits: str | None = attr("digits", v.TONES)


@dataclass(frozen=True, kw_only=True)
class Pause(Verb):
    """Silence for `length` seconds."""

    tag = "Pause"
    length: int = attr("length", v.Int(0, 14400), 1, 13910)


@dataclass(frozen=True, kw_only=True)
class Gather(Verb):
    """Collect keys or speech while the prompts play."""

    tag = "Gather"
    prompts: tuple[Say | Play | Pause, ...] = children("Say", "Play", "Pause")
    action: str | None = attr("action", v.URL)
    method: str = attr("method", v.METHOD, "POST", 13312)
    timeout: int = attr("timeout", v.Int(1, 600), 5, 13313)
    finish_on_key: str = attr("finishOnKey", v.Keys(0, 12), "#", 13310)
    num_digits: int | None = attr("numDigits", v.Int(1, 1000), None, 13314)
    input: tuple[str, ...] = attr("input", v.WordSet(("dtmf", "speech")), ("dtmf",), 13326)
    language: str = attr("language", v.LANG, "en-US", 13331)
    hints: str | None = attr("hints", v.TEXT)
    speech_timeout: int | str | None = attr(
        "speechTimeout", v.IntOrWord(0, 600, "auto"), None, 13327
    )
    partial_result_callback: str | None = attr("partialResultCallback", v.URL)
    partial_result_callback_method: str = attr("partialResultCallbackMethod", v.METHOD, "POST")
    action_on_empty_result: bool = attr("actionOnEmptyResult", v.BOOL, False)
    start_input_key: str = attr("startInputKey", v.Keys(1, 12), "*0123456789", 13315)
    speech_model: str | None = attr("speechModel", v.TEXT)
    enhanced: bool = attr("enhanced", v.BOOL, False)
    profanity_filter: bool = attr("profanityFilter", v.BOOL, True)


@dataclass(frozen=True, kw_only=True)
class Record(Verb):
    """Record the caller until a key, silence, the length limit or hang-up."""

    tag = "Record"
    action: str | None = attr("action", v.URL)
    method: str = attr("method", v.METHOD, "POST", 13610)
    timeout: int = attr("timeout", v.Int(0, 3600), 5, 13611)
    finish_on_key: str = attr("finishOnKey", v.Keys(0, 12, ("-1",)), "1234567890*#", 13613)
    max_length: int = attr("maxLength", v.Int(1, 14400), 3600, 13612)
    play_beep: bool = attr("playBeep", v.BOOL, True, 13616)
    transcribe: bool = attr("transcribe", v.BOOL, False, 13614)
    transcribe_callback: str | None = attr("transcribeCallback", v.URL)
    media: str = attr("media", v.Enum(("audio_only", "video_only", "audio_video")), "audio_only")
    trim: str | None = attr("trim", v.TEXT)
    recording_status_callback: str | None = attr("recordingStatusCallback", v.URL)
    recording_status_callback_method: str = attr("recordingStatusCallbackMethod", v.METHOD, "POST")
    recording_status_callback_event: str | None = attr("recordingStatusCallbackEvent", v.TEXT)


@dataclass(frozen=True, kw_only=True)
class Redirect(Verb):
    """Continue with the document at `url`."""

    tag = "Redirect"
    url: str = text_of(TextRule("url", required=True))
    method: str = attr("method", v.METHOD, "POST", 13710)


# --- Dial and its nouns --------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Video(Noun):
    """Video settings of a client, SIP or conference leg (recorded only)."""

    tag = "Video"
    enable: bool = attr("enable", v.BOOL, False)
    mode: str = attr("mode", v.Enum(("mcu", "sfu")), "mcu")
    resolution: str = attr(
        "resolution", v.Enum(("CIF", "4CIF", "16CIF", "QCIF", "VGA", "720p")), "720p"
    )
    layout: str = attr("layout", v.Enum(("tile", "linear")), "tile")
    overlay: str | None = attr("overlay", v.TEXT)


@dataclass(frozen=True, kw_only=True)
class Parameter(Noun):
    """A custom parameter sent to a dialed client."""

    tag = "Parameter"
    name: str = attr("name", v.Text(1), required=True)
    value: str = attr("value", v.TEXT, required=True)


_STATUS_CALLBACK_EVENT_DEFAULT = ("completed",)


@dataclass(frozen=True, kw_only=True)
class Number(Noun):
    """Dial a phone number."""

    tag = "Number"
    number: str = text_of(TextRule("number", required=True, code=13223))
    send_digits: str | None = attr("sendDigits", v.TONES, None, 13222)
    url: str | None = attr("url", v.URL)
    method: str = attr("method", v.METHOD, "POST", 13221)
    status_callback: str | None = attr("statusCallback", v.URL)
    status_callback_method: str = attr("statusCallbackMethod", v.METHOD, "POST")
    status_callback_event: tuple[str, ...] = attr(
        "statusCallbackEvent", v.EVENTS, _STATUS_CALLBACK_EVENT_DEFAULT
    )


@dataclass(frozen=True, kw_only=True)
class Client(Noun):
    """Dial a registered client by name."""

    tag = "Client"
    name: str = text_of(TextRule("client", required=True, alias="name"))
    video: Video | None = child("Video")
    parameters: tuple[Parameter, ...] = children("Parameter")
    url: str | None = attr("url", v.URL)
    method: str = attr("method", v.METHOD, "POST")
    status_callback: str | None = attr("statusCallback", v.URL)
    status_callback_method: str = attr("statusCallbackMethod", v.METHOD, "POST")
    status_callback_event: tuple[str, ...] = attr(
        "statusCallbackEvent", v.EVENTS, _STATUS_CALLBACK_EVENT_DEFAULT
    )


@dataclass(frozen=True, kw_only=True)
class SipNoun(Noun):
    """What <Sip> and its deprecated alias <Uri> share: credentials, screening, callbacks."""

    username: str | None = attr("username", v.Text(0, 256), None, 13249)
    password: str | None = attr("password", v.Text(0, 256), None, 13249)
    url: str | None = attr("url", v.URL)
    method: str = attr("method", v.METHOD, "POST", 13241)
    status_callback: str | None = attr("statusCallback", v.URL)
    status_callback_method: str = attr("statusCallbackMethod", v.METHOD, "POST")
    status_callback_event: tuple[str, ...] = attr(
        "statusCallbackEvent", v.EVENTS, _STATUS_CALLBACK_EVENT_DEFAULT
    )
    uri: str = ""


@dataclass(frozen=True, kw_only=True)
class Sip(SipNoun):
    """Dial a SIP URI (as text, or in `name` when there is a <Video> child)."""

    tag = "Sip"
    uri: str = text_of(TextRule("sip", required=True, code=13243, alias="name"))
    video: Video | None = child("Video")


@dataclass(frozen=True, kw_only=True)
class Uri(SipNoun):
    """Deprecated alias of <Sip> (warning 99003): a SIP URI as text, no children."""

    tag = "Uri"
    uri: str = text_of(TextRule("sip", required=True, code=13243))


@dataclass(frozen=True, kw_only=True)
class Conference(Noun):
    """Join a conference room."""

    tag = "Conference"
    name: str = text_of(TextRule("name", True, v.Text(1, 128), 13237, alias="name"))
    video: Video | None = child("Video")
    muted: bool = attr("muted", v.BOOL, False, 13230)
    beep: str = attr("beep", v.Enum(("true", "false", "onEnter", "onExit")), "true", 13235)
    start_conference_on_enter: bool = attr("startConferenceOnEnter", v.BOOL, True, 13232)
    end_conference_on_exit: bool = attr("endConferenceOnExit", v.BOOL, False, 13231)
    wait_url: str | None = attr("waitUrl", v.URL, None, 13233)
    wait_method: str = attr("waitMethod", v.METHOD, "POST", 13234)
    max_participants: int = attr("maxParticipants", v.Int(2, 250), 40)
    record: str | None = attr("record", v.TEXT)
    status_callback: str | None = attr("statusCallback", v.URL)
    status_callback_method: str = attr("statusCallbackMethod", v.METHOD, "POST")
    status_callback_event: str | None = attr("statusCallbackEvent", v.TEXT)


@dataclass(frozen=True, kw_only=True)
class Queue(Noun):
    """Dequeue the first call waiting in a queue."""

    tag = "Queue"
    name: str = text_of(TextRule("name", True, v.Text(1, 64), 14213, 14212))
    url: str | None = attr("url", v.URL, None, 14211)
    method: str = attr("method", v.METHOD, "POST", 14210)


DIALABLE = ("Number", "Client", "Sip", "Uri")
DialNoun = Number | Client | Sip | Uri | Conference | Queue


@dataclass(frozen=True, kw_only=True)
class Dial(Verb):
    """Connect the call to numbers, clients, SIP URIs, a conference or a queue."""

    tag = "Dial"
    nouns: tuple[DialNoun, ...] = children(*DIALABLE, "Conference", "Queue")
    action: str | None = attr("action", v.URL)
    method: str = attr("method", v.METHOD, "POST", 13210)
    timeout: int = attr("timeout", v.Int(1, 600), 30, 13212)
    time_limit: int = attr("timeLimit", v.Int(1, 86400), 14400, 13216)
    caller_id: str | None = attr("callerId", v.CALLER_ID, None, 13214)
    record: bool = attr("record", v.BOOL, False, 13217)
    hangup_on_star: bool = attr("hangupOnStar", v.BOOL, False, 13213)
    answer_on_bridge: bool = attr("answerOnBridge", v.BOOL, False)
    sequential: bool = attr("sequential", v.BOOL, False)
    ring_tone: str | None = attr("ringTone", v.TEXT)
    trim: str | None = attr("trim", v.TEXT)
    recording_track: str | None = attr("recordingTrack", v.TEXT)
    recording_status_callback: str | None = attr("recordingStatusCallback", v.URL)
    recording_status_callback_method: str = attr("recordingStatusCallbackMethod", v.METHOD, "POST")
    recording_status_callback_event: str | None = attr("recordingStatusCallbackEvent", v.TEXT)


# --- the other verbs ---------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Hangup(Verb):
    """End the call."""

    tag = "Hangup"


@dataclass(frozen=True, kw_only=True)
class Leave(Verb):
    """Leave the queue (in a queue wait document)."""

    tag = "Leave"


@dataclass(frozen=True, kw_only=True)
class Reject(Verb):
    """Refuse a ringing call without answering it."""

    tag = "Reject"
    reason: str = attr("reason", v.Enum(("rejected", "busy")), "rejected")


@dataclass(frozen=True, kw_only=True)
class Sms(Verb):
    """Send a text message."""

    tag = "Sms"
    body: str = text_of(TextRule("body", True, v.Text(1, 1600), 14103, 14103))
    to: str | None = attr("to", v.ADDRESS, None, 14101)
    from_: str | None = attr("from", v.ADDRESS, None, 14102)
    action: str | None = attr("action", v.URL)
    method: str = attr("method", v.METHOD, "POST", 14104)
    status_callback: str | None = attr("statusCallback", v.URL, None, 14105)


@dataclass(frozen=True, kw_only=True)
class Email(Verb):
    """Send an e-mail (Restcomm extension)."""

    tag = "Email"
    body: str = text_of(TextRule("body"))
    to: str = attr("to", v.Emails(), required=True)
    from_: str = attr("from", v.Emails(single=True), required=True)
    cc: str | None = attr("cc", v.Emails())
    bcc: str | None = attr("bcc", v.Emails())
    subject: str = attr("subject", v.TEXT, "Restcomm Email Service")


@dataclass(frozen=True, kw_only=True)
class Fax(Verb):
    """Send a fax of the document at `url` (Restcomm extension)."""

    tag = "Fax"
    url: str = text_of(TextRule("url", required=True))
    to: str | None = attr("to", v.ADDRESS)
    from_: str | None = attr("from", v.ADDRESS)
    action: str | None = attr("action", v.URL)
    method: str = attr("method", v.METHOD, "POST")
    status_callback: str | None = attr("statusCallback", v.URL)


@dataclass(frozen=True, kw_only=True)
class Enqueue(Verb):
    """Wait in a queue until dequeued, until <Leave>, or until the caller hangs up."""

    tag = "Enqueue"
    name: str = text_of(TextRule("name", True, v.Text(1, 64), 14205, 14204))
    action: str | None = attr("action", v.URL, None, 14203)
    method: str = attr("method", v.METHOD, "POST", 14201)
    wait_url: str | None = attr("waitUrl", v.URL, None, 14202)
    wait_url_method: str = attr("waitUrlMethod", v.METHOD, "POST", 14206)


RESPONSE_VERBS = (
    "Say", "Play", "Pause", "Gather", "Record", "Dial", "Hangup", "Redirect", "Reject", "Sms",
    "Email", "Fax", "Enqueue", "Leave",
)  # fmt: skip


@dataclass(frozen=True, kw_only=True)
class Response(Node):
    """A whole RCML document: its verbs in order."""

    tag = "Response"
    verbs: tuple[Verb, ...] = children(*RESPONSE_VERBS)


NODE_CLASSES: tuple[type[Node], ...] = (
    Response, Say, Play, Pause, Gather, Record, Redirect, Dial, Number, Client, Sip, Uri,
    Conference, Queue, Video, Parameter, Hangup, Leave, Reject, Sms, Email, Fax, Enqueue,
)  # fmt: skip
