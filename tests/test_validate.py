"""The validator: value types, error codes per attribute (spec §2), suggestions, text rules per
element (§1.1 rule 8), SSML, Dial and Gather structure, target aliases and static warnings."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from rcml import nodes as n
from rcml import values as v
from rcml.names import ELEMENTS
from rcml.validate import Dialect, build_document, suggest
from rcml.xml_reader import XmlLocator, check_xml, parse_xml


def problems_of(source: str) -> list[tuple[int, int | None, int, str]]:
    _, problems = check_xml(source)
    return [(p.line, p.col, p.code, p.message) for p in problems]


def codes_of(source: str) -> list[int]:
    _, problems = check_xml(source)
    return [p.code for p in problems]


def verbs(body: str) -> tuple[n.Verb, ...]:
    return parse_xml(f"<Response>{body}</Response>").verbs


# --- value types -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("vtype", "raw", "value"),
    [
        (v.Int(0, 1000), "0", 0),
        (v.Int(0, 1000), "1000", 1000),
        (v.Int(0, 1000), "007", 7),
        (v.Int(1, 600), "0000000000000000000000000000000000000001", 1),
        (v.METHOD, "get", "GET"),
        (v.METHOD, "Post", "POST"),
        (v.BOOL, "TRUE", True),
        (v.BOOL, "fAlSe", False),
        (v.Keys(0, 12), "", ""),
        (v.Keys(0, 12), "0123456789*#", "0123456789*#"),
        (v.Keys(0, 12, ("-1",)), "-1", "-1"),
        (v.Enum(("onEnter", "onExit")), "ONENTER", "onEnter"),
        (v.EVENTS, "completed ,initiated,,RINGING", ("initiated", "ringing", "completed")),
        (v.EVENTS, "answered answered", ("answered",)),
        (v.EVENTS, "", ("completed",)),
        (v.EVENTS, " , ", ("completed",)),
        (v.WordSet(("dtmf", "speech")), "speech dtmf", ("dtmf", "speech")),
        (v.IntOrWord(0, 600, "auto"), "AUTO", "auto"),
        (v.IntOrWord(0, 600, "auto"), "600", 600),
        (v.LANG, "en", "en"),
        (v.LANG, "zh-Hans-CN", "zh-Hans-CN"),
        (v.LANG, "dan", "dan"),
        (v.CALLER_ID, "+123456789012345", "+123456789012345"),
        (v.CALLER_ID, "client:front_desk", "client:front_desk"),
        (v.CALLER_ID, "sips:gw@example.com", "sips:gw@example.com"),
        (v.CALLER_ID, "Acme.Support-1", "Acme.Support-1"),
        (v.ADDRESS, "client:alice", "client:alice"),
        (v.Emails(), "a@b.c, d@e.f", "a@b.c, d@e.f"),
        (v.Emails(single=True), "a@b.c", "a@b.c"),
        (v.TONES, "wW1#*", "wW1#*"),
        (v.Voice(), "ALICE", "alice"),
        (v.Voice(), "Polly.Joanna-Neural", "Polly.Joanna-Neural"),
        (v.Voice(), "Google.en-US-Standard-C", "Google.en-US-Standard-C"),
        (v.URL, "https://example.com/a?b=c", "https://example.com/a?b=c"),
        (v.URL, "../next.xml", "../next.xml"),
        (v.URL, "//cdn.example.com/a.mp3", "//cdn.example.com/a.mp3"),
        (v.Text(0, 3), "abc", "abc"),
    ],
)
def test_value_types_accept(vtype: v.ValueType, raw: str, value: object) -> None:
    assert vtype.parse(raw) == value


@pytest.mark.parametrize(
    ("vtype", "raw", "message"),
    [
        (v.Int(0, 1000), "1001", "expected an integer from 0 to 1000, got '1001'"),
        (v.Int(0, 1000), "-1", "expected an integer from 0 to 1000, got '-1'"),
        (v.Int(0, 1000), "+1", "expected an integer from 0 to 1000, got '+1'"),
        (v.Int(0, 1000), "1e3", "expected an integer from 0 to 1000, got '1e3'"),
        (v.Int(0, 1000), "²", "expected an integer from 0 to 1000, got '²'"),
        (
            v.Int(0, 1000),
            "9" * 5000,
            "expected an integer from 0 to 1000, got '" + "9" * 5000 + "'",
        ),
        (v.METHOD, "PUT", "expected GET or POST, got 'PUT'"),
        (v.BOOL, "1", "expected true or false, got '1'"),
        (v.Keys(1, 12), "", "expected 1 to 12 keys from 0-9, * and #, got ''"),
        (
            v.Keys(0, 12),
            "1234567890123",
            "expected 0 to 12 keys from 0-9, * and #, got '1234567890123'",
        ),
        (v.Keys(0, 12, ("-1",)), "-2", "expected 0 to 12 keys from 0-9, * and # or '-1', got '-2'"),
        (v.Enum(("a", "b")), "c", "expected one of a, b, got 'c'"),
        (
            v.EVENTS,
            "started",
            "expected words from initiated, ringing, answered, completed "
            "separated by spaces or commas, got 'started'",
        ),  # fmt: skip
        (
            v.WordSet(("dtmf", "speech")),
            "",
            "expected words from dtmf, speech separated by spaces or commas, got ''",
        ),  # fmt: skip
        (
            v.IntOrWord(0, 600, "auto"),
            "601",
            "expected an integer from 0 to 600 or 'auto', got '601'",
        ),
        (v.LANG, "en_US", "expected a language tag such as en, en-GB or pt-BR, got 'en_US'"),
        (
            v.CALLER_ID,
            "+1 555",
            "expected a phone number, client:NAME, a sip: URI or a name of "
            "letters, digits, '_', '.' or '-', got '+1 555'",
        ),  # fmt: skip
        (
            v.ADDRESS,
            "sip:a@b.c",
            "expected a phone number, client:NAME or a name of letters, "
            "digits, '_', '.' or '-', got 'sip:a@b.c'",
        ),  # fmt: skip
        (
            v.Emails(),
            "a@b.c,",
            "expected comma-separated e-mail addresses local@domain, got 'a@b.c,'",
        ),
        (
            v.Emails(single=True),
            "a@b.c,d@e.f",
            "expected one e-mail address local@domain, got 'a@b.c,d@e.f'",
        ),  # fmt: skip
        (v.TONES, "12x", "expected keys from 0-9, *, #, w and W, got '12x'"),
        (
            v.Voice(),
            "polly.joanna",
            "expected man, woman, alice, Polly.NAME[-ENGINE] or Google.NAME, got 'polly.joanna'",
        ),  # fmt: skip
        (v.URL, "", "expected an http(s) URL or a relative URL without spaces, got ''"),
        (v.URL, "a b", "expected an http(s) URL or a relative URL without spaces, got 'a b'"),
        (
            v.URL,
            "ftp://x",
            "expected an http(s) URL or a relative URL without spaces, got 'ftp://x'",
        ),
        (
            v.URL,
            "https://",
            "expected an http(s) URL or a relative URL without spaces, got 'https://'",
        ),
        (
            v.URL,
            "http://[::1",
            "expected an http(s) URL or a relative URL without spaces, got 'http://[::1'",
        ),  # fmt: skip
        (
            v.URL,
            "host:8080/x",
            "expected an http(s) URL or a relative URL without spaces, got 'host:8080/x'",
        ),  # fmt: skip
        (v.Text(1), "", "expected a non-empty text, got ''"),
        (v.Text(2), "a", "expected at least 2 characters, got 'a'"),
        (v.Text(0, 2), "abc", "expected text of at most 2 characters, got 'abc'"),
        (v.Text(1, 2), "abc", "expected text of 1 to 2 characters, got 'abc'"),
    ],
)
def test_value_types_refuse_with_what_they_expected(
    vtype: v.ValueType, raw: str, message: str
) -> None:
    with pytest.raises(v.ValueProblem) as problem:
        vtype.parse(raw)
    assert str(problem.value) == message


@pytest.mark.parametrize(
    ("vtype", "value", "written"),
    [
        (v.BOOL, True, "true"),
        (v.BOOL, False, "false"),
        (v.EVENTS, ("initiated", "completed"), "initiated completed"),
        (v.Int(0, 10), 7, "7"),
        (v.METHOD, "GET", "GET"),
    ],
)
def test_value_types_write_canonical_text(vtype: v.ValueType, value: object, written: str) -> None:
    assert vtype.format(value) == written


def _url_by_the_book(raw: str) -> bool:
    """The §1.5 rule without the fast path: non-empty, no whitespace, http(s) with a host or
    no scheme at all."""
    if not raw or any(char.isspace() for char in raw):
        return False
    try:
        parts = urlsplit(raw)
    except ValueError:
        return False
    return not parts.scheme or (parts.scheme.lower() in ("http", "https") and bool(parts.netloc))


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("hHtTpPsS:/?#[]@.a1 %-\u00a0é\u2100")), max_size=24))
def test_url_fast_path_agrees_with_the_rule(raw: str) -> None:
    try:
        v.URL.parse(raw)
        accepted = True
    except v.ValueProblem:
        accepted = False
    assert accepted == _url_by_the_book(raw)


def _outcome(vtype: v.ValueType, raw: str) -> object:
    try:
        return ("value", vtype.parse(raw))
    except v.ValueProblem as problem:
        return ("problem", str(problem))


def _int_by_the_book(raw: str, low: int, high: int) -> int | None:
    """§1.3 integers without the fast path: ASCII digits, any leading zeros, within the range."""
    if not raw or not all("0" <= char <= "9" for char in raw):
        return None
    value = int(raw.lstrip("0") or "0") if len(raw.lstrip("0")) <= 20 else None
    return value if value is not None and low <= value <= high else None


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(
        st.integers(min_value=0, max_value=10**20).map(str),
        st.integers(min_value=0, max_value=25).map(lambda zeros: "0" * zeros + "600"),
        st.text(alphabet=st.sampled_from(list("0123456789+- _e\n²٣")), max_size=22),
    )
)
def test_int_fast_path_agrees_with_the_rule(raw: str) -> None:
    for vtype in (v.Int(0, 1000), v.Int(1, 10**19)):
        expected = _int_by_the_book(raw, vtype.low, vtype.high)
        assert _outcome(vtype, raw) == (
            ("value", expected) if expected is not None else ("problem", str(vtype.fail(raw)))
        )
    speech_timeout = v.IntOrWord(0, 600, "auto")
    expected = _int_by_the_book(raw, 0, 600)
    assert _outcome(speech_timeout, raw) == (
        ("value", expected) if expected is not None else ("problem", str(speech_timeout.fail(raw)))
    )


def _any_case(word: str) -> st.SearchStrategy[str]:
    return st.lists(st.booleans(), min_size=len(word), max_size=len(word)).map(
        lambda upper: "".join(c.upper() if u else c for c, u in zip(word, upper, strict=True))
    )


_ENUM_CHOICES = ("onEnter", "onExit", "ONENTER", "true")


@settings(max_examples=100, deadline=None)
@given(
    st.one_of(
        st.sampled_from(["onenter", "onexit", "true", "truе", "onEnter ", "İ"]).flatmap(_any_case),
        st.text(alphabet=st.sampled_from(list("onEnterExiOENTRXİı")), max_size=8),
    )
)
def test_enum_takes_the_first_choice_equal_in_any_case(raw: str) -> None:
    by_the_book = next((c for c in _ENUM_CHOICES if c.lower() == raw.lower()), None)
    vtype = v.Enum(_ENUM_CHOICES)
    expected = ("value", by_the_book) if by_the_book else ("problem", str(vtype.fail(raw)))
    assert _outcome(vtype, raw) == expected


_WORDS = st.sampled_from(["dtmf", "speech", "dtmfs", "speeches", ""]).flatmap(_any_case)
_SEPARATORS = st.sampled_from([" ", ",", ", ", "\t", "\u2003", ",,"])


@settings(max_examples=150, deadline=None)
@given(
    st.one_of(
        _WORDS,
        st.tuples(_WORDS, _SEPARATORS, _WORDS).map("".join),
        st.text(alphabet=st.sampled_from(list("dtmfspechDTMFSPECH ,\t\u2003")), max_size=14),
    )
)
def test_word_set_single_word_fast_path_agrees_with_the_rule(raw: str) -> None:
    vtype = v.WordSet(("dtmf", "speech"))
    words = [word.lower() for word in re.split(r"[\s,]+", raw) if word]
    if words and all(word in vtype.order for word in words):
        expected: object = ("value", tuple(word for word in vtype.order if word in words))
    else:
        expected = ("problem", str(vtype.fail(raw)))
    assert _outcome(vtype, raw) == expected


# --- error codes per attribute (spec §2; 12200 where the table shows none) -----------------------

CODES: dict[tuple[str, str], int] = {
    ("Say", "voice"): 13511, ("Say", "language"): 12200, ("Say", "loop"): 13510,
    ("Play", "loop"): 13410, ("Play", "digits"): 12200,
    ("Pause", "length"): 13910,
    ("Gather", "action"): 12200, ("Gather", "method"): 13312, ("Gather", "timeout"): 13313,
    ("Gather", "finishOnKey"): 13310, ("Gather", "numDigits"): 13314, ("Gather", "input"): 13326,
    ("Gather", "language"): 13331, ("Gather", "speechTimeout"): 13327,
    ("Gather", "partialResultCallback"): 12200, ("Gather", "partialResultCallbackMethod"): 12200,
    ("Gather", "actionOnEmptyResult"): 12200, ("Gather", "startInputKey"): 13315,
    ("Gather", "enhanced"): 12200, ("Gather", "profanityFilter"): 12200,
    ("Record", "action"): 12200, ("Record", "method"): 13610, ("Record", "timeout"): 13611,
    ("Record", "finishOnKey"): 13613, ("Record", "maxLength"): 13612,
    ("Record", "playBeep"): 13616, ("Record", "transcribe"): 13614,
    ("Record", "transcribeCallback"): 12200, ("Record", "media"): 12200,
    ("Record", "recordingStatusCallback"): 12200,
    ("Record", "recordingStatusCallbackMethod"): 12200,
    ("Redirect", "method"): 13710,
    ("Dial", "action"): 12200, ("Dial", "method"): 13210, ("Dial", "timeout"): 13212,
    ("Dial", "timeLimit"): 13216, ("Dial", "callerId"): 13214, ("Dial", "record"): 13217,
    ("Dial", "hangupOnStar"): 13213, ("Dial", "answerOnBridge"): 12200,
    ("Dial", "sequential"): 12200, ("Dial", "recordingStatusCallback"): 12200,
    ("Dial", "recordingStatusCallbackMethod"): 12200,
    ("Number", "sendDigits"): 13222, ("Number", "url"): 12200, ("Number", "method"): 13221,
    ("Number", "statusCallback"): 12200, ("Number", "statusCallbackMethod"): 12200,
    ("Number", "statusCallbackEvent"): 12200,
    ("Client", "url"): 12200, ("Client", "method"): 12200, ("Client", "statusCallback"): 12200,
    ("Client", "statusCallbackMethod"): 12200, ("Client", "statusCallbackEvent"): 12200,
    ("Sip", "username"): 13249, ("Sip", "password"): 13249, ("Sip", "url"): 12200,
    ("Sip", "method"): 13241, ("Sip", "statusCallback"): 12200,
    ("Sip", "statusCallbackMethod"): 12200, ("Sip", "statusCallbackEvent"): 12200,
    ("Uri", "username"): 13249, ("Uri", "password"): 13249, ("Uri", "url"): 12200,
    ("Uri", "method"): 13241, ("Uri", "statusCallback"): 12200,
    ("Uri", "statusCallbackMethod"): 12200, ("Uri", "statusCallbackEvent"): 12200,
    ("Conference", "muted"): 13230, ("Conference", "beep"): 13235,
    ("Conference", "startConferenceOnEnter"): 13232, ("Conference", "endConferenceOnExit"): 13231,
    ("Conference", "waitUrl"): 13233, ("Conference", "waitMethod"): 13234,
    ("Conference", "maxParticipants"): 12200, ("Conference", "statusCallback"): 12200,
    ("Conference", "statusCallbackMethod"): 12200,
    ("Queue", "url"): 14211, ("Queue", "method"): 14210,
    ("Video", "enable"): 12200, ("Video", "mode"): 12200, ("Video", "resolution"): 12200,
    ("Video", "layout"): 12200,
    ("Parameter", "name"): 12200,
    ("Sms", "to"): 14101, ("Sms", "from"): 14102, ("Sms", "action"): 12200,
    ("Sms", "method"): 14104, ("Sms", "statusCallback"): 14105,
    ("Email", "to"): 12200, ("Email", "from"): 12200, ("Email", "cc"): 12200,
    ("Email", "bcc"): 12200,
    ("Reject", "reason"): 12200,
    ("Fax", "to"): 12200, ("Fax", "from"): 12200, ("Fax", "action"): 12200,
    ("Fax", "method"): 12200, ("Fax", "statusCallback"): 12200,
    ("Enqueue", "action"): 14203, ("Enqueue", "method"): 14201, ("Enqueue", "waitUrl"): 14202,
    ("Enqueue", "waitUrlMethod"): 14206,
}  # fmt: skip

# Where each element can stand in a valid document; {a} is the attribute under test.
CONTEXTS = {
    "Say": "<Say {a}>x</Say>",
    "Play": "<Play {a}>a.mp3</Play>",
    "Pause": "<Pause {a}/>",
    "Gather": "<Gather {a}/>",
    "Record": "<Record {a}/>",
    "Redirect": "<Redirect {a}>/next</Redirect>",
    "Dial": "<Dial {a}>+15551234567</Dial>",
    "Number": "<Dial><Number {a}>+15551234567</Number></Dial>",
    "Client": "<Dial><Client {a}>alice</Client></Dial>",
    "Sip": "<Dial><Sip {a}>sip:a@example.com</Sip></Dial>",
    "Uri": "<Dial><Uri {a}>sip:a@example.com</Uri></Dial>",
    "Conference": "<Dial><Conference {a}>room</Conference></Dial>",
    "Queue": "<Dial><Queue {a}>support</Queue></Dial>",
    "Video": '<Dial><Client name="a"><Video {a}/></Client></Dial>',
    "Parameter": '<Dial><Client name="a"><Parameter {a}/></Client></Dial>',
    "Sms": "<Sms {a}>hi</Sms>",
    "Email": "<Email {a}/>",
    "Reject": "<Reject {a}/>",
    "Fax": "<Fax {a}>doc.pdf</Fax>",
    "Enqueue": "<Enqueue {a}>support</Enqueue>",
}
REQUIRED = {"Parameter": {"name": "n", "value": "v"}, "Email": {"to": "a@b.c", "from": "d@e.f"}}


def bad_value(vtype: v.ValueType) -> str | None:
    """A value the type refuses, or None for types that take anything."""
    if isinstance(vtype, v.Text):
        if vtype.max_len is not None:
            return "x" * (vtype.max_len + 1)
        return "" if vtype.min_len else None
    refused = {
        v.Url: "ftp://x", v.Method: "PUT", v.Bool: "maybe", v.Int: "-1", v.IntOrWord: "soon",
        v.Keys: "A", v.Enum: "zzz", v.WordSet: "bogus", v.Pattern: "!!", v.Voice: "robot",
        v.Emails: "nobody",
    }  # fmt: skip
    return refused[type(vtype)]


def checked_attributes() -> list[tuple[str, str, str]]:
    cases = []
    for tag, spec in ELEMENTS.items():
        for xml, attr in spec.attrs.items():
            raw = bad_value(attr.type)
            if raw is not None:
                cases.append((tag, xml, raw))
    return cases


def test_the_code_table_lists_every_checked_attribute() -> None:
    assert {(tag, xml) for tag, xml, _ in checked_attributes()} == set(CODES)


@pytest.mark.parametrize(("tag", "xml", "raw"), checked_attributes(), ids=lambda x: str(x)[:20])
def test_a_bad_value_gets_its_attribute_code(tag: str, xml: str, raw: str) -> None:
    given = {**REQUIRED.get(tag, {}), xml: raw}
    attributes = " ".join(f'{name}="{value}"' for name, value in given.items())
    source = "<Response>" + CONTEXTS[tag].format(a=attributes) + "</Response>"
    _, problems = check_xml(source)
    errors = [(p.code, p.message.split(":")[0]) for p in problems if p.is_error]
    assert errors == [(CODES[tag, xml], f"<{tag}> attribute '{xml}'")]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("<Dial><Number>555-1234</Number></Dial>", 13223),
        ("<Dial><Number/></Dial>", 12200),
        ("<Dial><Sip>bob@example.com</Sip></Dial>", 13243),
        ('<Dial><Sip name="bob@example.com"/></Dial>', 13243),
        ("<Dial><Sip/></Dial>", 12200),
        ("<Dial><Client>a b</Client></Dial>", 12200),
        ("<Dial><Conference>" + "r" * 129 + "</Conference></Dial>", 13237),
        ('<Dial><Conference name="' + "r" * 129 + '"/></Dial>', 13237),
        ("<Dial><Conference/></Dial>", 12200),
        ("<Dial><Queue/></Dial>", 14212),
        ("<Dial><Queue>" + "q" * 65 + "</Queue></Dial>", 14213),
        ("<Enqueue/>", 14204),
        ("<Enqueue>" + "q" * 65 + "</Enqueue>", 14205),
        ("<Sms/>", 14103),
        ("<Sms>" + "x" * 1601 + "</Sms>", 14103),
        ("<Play/>", 12200),
        ("<Redirect>a b</Redirect>", 12200),
        ("<Dial>555-1234</Dial>", 13223),
        ("<Dial>sip:nobody</Dial>", 13243),
        ("<Dial>client:a b</Dial>", 12200),
    ],
)
def test_text_problems_get_the_element_code(body: str, code: int) -> None:
    assert [c for c in codes_of(f"<Response>{body}</Response>") if c < 99000] == [code]


def test_text_length_limits_are_inclusive() -> None:
    room, queue, body = "r" * 128, "q" * 64, "x" * 1600
    conference, dequeue, enqueue, sms = verbs(
        f"<Dial><Conference>{room}</Conference></Dial><Dial><Queue>{queue}</Queue></Dial>"
        f"<Enqueue>{queue}</Enqueue><Sms>{body}</Sms>"
    )
    assert isinstance(conference, n.Dial) and conference.nouns == (n.Conference(name=room),)
    assert isinstance(dequeue, n.Dial) and dequeue.nouns == (n.Queue(name=queue),)
    assert enqueue == n.Enqueue(name=queue)
    assert sms == n.Sms(body=body)


# --- suggestions -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "allowed", "known", "expected"),
    [
        ("say", ("Say", "Play"), (), ("Say", True)),
        ("SAY", ("Play",), ("Say",), ("Say", True)),
        ("Gatherr", ("Say", "Gather"), (), ("Gather", False)),
        ("numdigit", ("numDigits", "timeout"), (), ("numDigits", False)),
        ("colour", ("numDigits", "timeout"), (), (None, False)),
        ("Spek", ("Say", "Play"), (), (None, False)),
    ],
)
def test_suggest(
    name: str, allowed: tuple[str, ...], known: tuple[str, ...], expected: tuple[str | None, bool]
) -> None:
    assert suggest(name, allowed, known) == expected


def test_case_match_wins_over_a_closer_spelling() -> None:
    assert suggest("timeOut", ("timeout", "timeOuts")) == ("timeout", True)


# --- text rules per element (§1.1 rule 8) ----------------------------------------------------


def test_say_collapses_whitespace_runs() -> None:
    [say] = verbs("<Say>\n   Hello,\t\tworld\r\n  again  </Say>")
    assert isinstance(say, n.Say) and say.text == "Hello, world again"


def test_sms_and_email_keep_inner_whitespace_and_line_breaks() -> None:
    sms, email = verbs(
        "<Sms>\n  Line one,\n\n  line  two.\n</Sms>"
        '<Email to="a@b.c" from="d@e.f">\n\tDear all,\n\n\tbye.\n</Email>'
    )
    assert isinstance(sms, n.Sms) and sms.body == "Line one,\n\n  line  two."
    assert isinstance(email, n.Email) and email.body == "Dear all,\n\n\tbye."


def test_names_and_urls_are_stripped() -> None:
    play, dial, enqueue = verbs(
        "<Play>\n  a.mp3\n</Play><Dial><Conference>\n  Team room \n</Conference></Dial>"
        "<Enqueue>  support  </Enqueue>"
    )
    assert isinstance(play, n.Play) and play.url == "a.mp3"
    assert isinstance(dial, n.Dial) and isinstance(dial.nouns[0], n.Conference)
    assert dial.nouns[0].name == "Team room"
    assert isinstance(enqueue, n.Enqueue) and enqueue.name == "support"


@pytest.mark.parametrize(
    "body",
    ["<Play>a .mp3</Play>", "<Redirect>/a\nb</Redirect>", "<Fax>doc one.pdf</Fax>"],
)
def test_url_texts_must_not_contain_whitespace(body: str) -> None:
    [(line, col, code, message)] = problems_of(f"<Response>{body}</Response>")
    assert (line, col, code) == (1, 11, 12200)
    assert "expected an http(s) URL or a relative URL without spaces" in message


def test_targets_must_not_contain_whitespace() -> None:
    assert problems_of("<Response><Dial><Number>+1 555</Number></Dial></Response>") == [
        (1, 17, 13223, "<Number>: invalid phone number '+1 555': spaces are not allowed in numbers")
    ]


def test_whitespace_between_elements_is_ignored_and_other_text_is_not() -> None:
    assert problems_of("<Response>\n  \t\n<Hangup/>\n\n</Response>") == []
    assert problems_of("<Response><Hangup/> oops </Response>") == [
        (1, 1, 12200, "<Response> takes no text, found 'oops'")
    ]


def test_stray_text_is_shortened_in_messages() -> None:
    text = "word " * 30
    [(_, _, _, message)] = problems_of(f"<Response><Pause>{text}</Pause></Response>")
    assert message == "<Pause> takes no text, found 'word word word word word word word word…'"


def test_targets_are_normalised() -> None:
    [dial] = verbs(
        "<Dial><Number>TEL:+15551234567</Number><Client>CLIENT:alice</Client>"
        "<Sip>SIP:bob@example.com</Sip></Dial>"
    )
    assert isinstance(dial, n.Dial)
    assert dial.nouns == (
        n.Number(number="+15551234567"),
        n.Client(name="alice"),
        n.Sip(uri="sip:bob@example.com"),
    )


def test_empty_say_and_email_bodies_are_allowed() -> None:
    say, email = verbs('<Say/><Email to="a@b.c" from="d@e.f"/>')
    assert isinstance(say, n.Say) and say.text == "" and say.ssml == ()
    assert isinstance(email, n.Email) and email.body == ""


def test_play_needs_a_url_unless_it_plays_digits() -> None:
    [play] = verbs('<Play digits="12"/>')
    assert isinstance(play, n.Play) and (play.url, play.digits) == ("", "12")
    assert problems_of("<Response><Play/></Response>") == [
        (1, 11, 12200, "<Play> requires text: the audio URL (or a 'digits' attribute)")
    ]


# --- Say and SSML ----------------------------------------------------------------------------


def test_ssml_content_is_collapsed_and_trimmed_at_the_ends() -> None:
    [say] = verbs(
        '<Say>\n  Hello   <emphasis level="strong"> big \n world </emphasis>\n'
        '  <break time="1s"/>  bye\n</Say>'
    )
    assert isinstance(say, n.Say) and say.text == ""
    assert say.ssml == (
        "Hello ",
        n.Ssml(name="emphasis", attributes=(("level", "strong"),), content=(" big world ",)),
        " ",
        n.Ssml(name="break", attributes=(("time", "1s"),)),
        " bye",
    )
    assert say.spoken_text == "Hello big world bye"


def test_ssml_attributes_are_kept_in_table_order() -> None:
    [say] = verbs('<Say><say-as role="r" format="f" interpret-as="i">x</say-as></Say>')
    assert isinstance(say, n.Say)
    [ssml] = say.ssml
    assert isinstance(ssml, n.Ssml)
    assert ssml.attributes == (("interpret-as", "i"), ("format", "f"), ("role", "r"))


def test_ssml_lang_takes_xml_lang_and_sub_speaks_its_alias() -> None:
    [say] = verbs(
        '<Say><lang xml:lang="fr-FR">oui</lang> <sub alias="World Wide Web">WWW</sub></Say>'
    )
    assert isinstance(say, n.Say)
    assert say.ssml[0] == n.Ssml(name="lang", attributes=(("xml:lang", "fr-FR"),), content=("oui",))
    assert say.spoken_text == "oui World Wide Web"


def test_ssml_comments_vanish_and_text_around_them_joins() -> None:
    [say] = verbs("<Say>Hel<!-- x -->lo <s>a<!-- y -->b</s></Say>")
    assert isinstance(say, n.Say)
    assert say.ssml == ("Hello ", n.Ssml(name="s", content=("ab",)))


def test_ssml_outside_say_is_misplaced() -> None:
    assert problems_of("<Response><Gather><s>x</s></Gather></Response>") == [
        (1, 19, 13320, "<s> is not allowed inside <Gather>; allowed: Say, Play, Pause")
    ]


# --- Dial, Gather and target aliases ---------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("<Dial>+15551234567<Number>+15557654321</Number></Dial>",
         "<Dial> has both text and nouns; put the target in a <Number>, <Client> or <Sip>"),
        ("<Dial/>", "<Dial> needs a target: text such as +15551234567, or a <Number>, <Client>, "
         "<Sip>, <Conference> or <Queue>"),
        ("<Dial>" + "<Number>+1</Number>" * 11 + "</Dial>",
         "<Dial> has 11 numbers, clients and SIP URIs; at most 10 are allowed"),
        ("<Dial><Number>+1</Number><Conference>r</Conference></Dial>",
         "<Conference> must be the only noun in <Dial>"),
        ("<Dial><Queue>a</Queue><Queue>b</Queue></Dial>",
         "<Queue> must be the only noun in <Dial>"),
        ("<Dial><Say>x</Say><Number>+1</Number></Dial>",
         "<Say> is not allowed inside <Dial>; allowed: Number, Client, Sip, Uri, Conference, "
         "Queue"),
    ],
)  # fmt: skip
def test_dial_structure_errors_are_13215(body: str, message: str) -> None:
    [(line, col, code, text)] = problems_of(f"<Response>{body}</Response>")
    assert (code, text) == (13215, message)


def test_ten_dialable_nouns_are_allowed() -> None:
    [dial] = verbs("<Dial>" + "<Number>+1</Number>" * 10 + "</Dial>")
    assert isinstance(dial, n.Dial) and len(dial.nouns) == 10


@pytest.mark.parametrize(
    "verb", ["Dial", "Record", "Gather", "Hangup", "Sms", "Redirect", "Reject"]
)
def test_gather_takes_only_prompts(verb: str) -> None:
    [(_, _, code, message)] = problems_of(f"<Response><Gather><{verb}/></Gather></Response>")
    assert (code, message) == (
        13320,
        f"<{verb}> is not allowed inside <Gather>; allowed: Say, Play, Pause",
    )


def test_dial_shorthand_builds_one_default_noun() -> None:
    shorthand = verbs("<Dial>bob@example.com</Dial><Dial>client:alice</Dial><Dial>+1</Dial>")
    spelled = verbs(
        "<Dial><Sip>sip:bob@example.com</Sip></Dial><Dial><Client>alice</Client></Dial>"
        "<Dial><Number>+1</Number></Dial>"
    )
    assert shorthand == spelled


@pytest.mark.parametrize(
    "client",
    [
        "<Client>alice</Client>",
        '<Client name="alice"/>',
        "<Client><Identity> alice </Identity></Client>",
        "<Client>client:alice</Client>",
    ],
)  # fmt: skip
def test_client_target_forms_are_equal(client: str) -> None:
    [dial] = verbs(f"<Dial>{client}</Dial>")
    assert isinstance(dial, n.Dial) and dial.nouns == (n.Client(name="alice"),)


def test_the_name_attribute_is_checked_like_text_and_reported_at_the_attribute() -> None:
    assert problems_of('<Response><Dial><Sip\n name="bob@example.com"/></Dial></Response>') == [
        (2, 2, 13243, "<Sip>: invalid SIP URI 'bob@example.com': a SIP URI must start with "
         "'sip:' or 'sips:'")
    ]  # fmt: skip
    assert problems_of('<Response><Dial><Conference name=""/></Dial></Response>') == [
        (
            1,
            17,
            12200,
            "<Conference> requires text: the room name, as text or in the 'name' attribute",
        )
    ]


def test_parameters_and_video_are_built() -> None:
    [dial] = verbs(
        '<Dial><Client name="a"><Video enable="true" layout="linear"/>'
        '<Parameter name="k" value="v"/><Parameter name="k2" value=""/></Client></Dial>'
    )
    assert isinstance(dial, n.Dial)
    assert dial.nouns == (
        n.Client(
            name="a",
            video=n.Video(enable=True, layout="linear"),
            parameters=(n.Parameter(name="k", value="v"), n.Parameter(name="k2", value="")),
        ),
    )


# --- warnings --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("<Reject/>", []),
        ("<Pause/><Pause/><Reject/>", []),
        ("<Say>hi</Say><Reject/>", [(99001, "<Reject> after other verbs runs on an answered "
                                     "call and will be skipped")]),
        ("<Hangup/><Say>x</Say><Say>y</Say>",
         [(99002, "<Say> is unreachable: it follows <Hangup>")]),
        ("<Redirect>/x</Redirect><Hangup/>", [(99002, "<Hangup> is unreachable: it follows "
                                               "<Redirect>")]),
        ("<Say>x</Say><Hangup/>", []),
        ("<Dial><Uri>sip:a@b.com</Uri></Dial>", [(99003, "<Uri> is deprecated; use <Sip>")]),
    ],
)  # fmt: skip
def test_static_warnings(body: str, expected: list[tuple[int, str]]) -> None:
    doc, problems = check_xml(f"<Response>{body}</Response>")
    assert doc is not None
    assert [(p.code, p.message) for p in problems] == expected
    assert all(p.severity == "warning" for p in problems)


# --- the builder as other readers use it -------------------------------------------------------


def test_problems_are_sorted_by_line_column_and_code_and_errors_void_the_document() -> None:
    source = '<Response>\n<Say loop="x" voice="y">a</Say><Dial><Uri/></Dial>\n<Gatherr/></Response>'
    root = etree.fromstring(source)
    doc, problems = build_document(root, XmlLocator("f.xml", source.encode(), root, 0, "utf-8"))
    assert doc is None
    assert [(p.line, p.col, p.code) for p in problems] == [
        (2, 6, 13510), (2, 15, 13511), (2, 38, 12200), (2, 38, 99003), (3, 1, 12200),
    ]  # fmt: skip


def test_a_dialect_names_elements_and_attributes_in_messages() -> None:
    source = '<Response><Say loop="x">a</Say><Saay/></Response>'
    root = etree.fromstring(source)
    dialect = Dialect(element=lambda tag: tag.lower(), attribute=lambda name: f"`{name}`")
    _, problems = build_document(root, XmlLocator(None, source.encode(), root, 0, "utf-8"), dialect)
    assert [p.message for p in problems] == [
        "say attribute `loop`: expected an integer from 0 to 1000, got 'x'",
        "unknown element saay in response; did you mean say? allowed here: Say, Play, Pause, "
        "Gather, Record, Dial, Hangup, Redirect, Reject, Sms, Email, Fax, Enqueue, Leave",
    ]


def test_documents_differing_only_in_positions_are_equal() -> None:
    one = parse_xml("<Response><Say>Hi</Say></Response>")
    two = parse_xml("<Response>\n\n\n    <Say>Hi</Say>\n</Response>")
    assert one == two
    assert one.verbs[0].span != two.verbs[0].span


def test_line_span_makes_the_same_span_as_the_dataclass() -> None:
    made = n.line_span("f.xml", 3)
    assert type(made) is n.Span
    assert (made, hash(made), repr(made)) == (
        n.Span("f.xml", 3),
        hash(n.Span("f.xml", 3)),
        "Span(file='f.xml', line=3, col=None)",
    )


def test_construct_keeps_class_defaults_and_equals_the_generated_init() -> None:
    values = {"span": n.Span(None, 1), "timeout": 9, "prompts": (n.Say(text="Hi"),)}
    made = n.construct(n.Gather, values)
    assert made == n.Gather(timeout=9, prompts=(n.Say(text="Hi"),))
    assert (made.span, made.method, made.input) == (n.Span(None, 1), "POST", ("dtmf",))
    assert hash(made) == hash(n.Gather(timeout=9, prompts=(n.Say(text="Hi"),)))
