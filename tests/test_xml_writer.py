"""The canonical XML writer: exact text of representative documents, and every node is written."""

from __future__ import annotations

import pytest

from rcml import nodes as n
from rcml.xml_writer import XmlWriter, dial_shorthand, to_xml

DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'


def lines(*rows: str) -> str:
    """A canonical document: the declaration, then the given lines, each ending with a newline."""
    return DECLARATION + "".join(row + "\n" for row in rows)


def test_empty_document_is_a_self_closed_response() -> None:
    assert to_xml(n.Response()) == lines("<Response/>")


def test_every_verb_and_noun() -> None:
    doc = n.Response(
        verbs=(
            n.Say(text="Welcome to Acme", voice="alice", language="en-GB", loop=2),
            n.Play(url="http://example.com/music.mp3", loop=0),
            n.Play(digits="1w2#"),
            n.Pause(length=3),
            n.Gather(
                prompts=(n.Say(text="Press 1"), n.Play(url="beep.wav"), n.Pause()),
                action="/menu?step=1&lang=en",
                method="GET",
                num_digits=1,
                input=("dtmf", "speech"),
                finish_on_key="",
                timeout=10,
            ),
            n.Record(
                action="/recorded",
                max_length=60,
                play_beep=False,
                finish_on_key="-1",
                media="audio_video",
            ),  # fmt: skip
            n.Dial(
                nouns=(
                    n.Number(number="+15551234567", send_digits="ww1"),
                    n.Client(name="alice", status_callback_event=("initiated", "completed")),
                    n.Sip(uri="sip:bob@example.com;transport=tcp", username="bob", password="pw"),
                    n.Uri(uri="sip:carol@example.com"),
                ),
                caller_id="+15550001111",
                timeout=20,
            ),
            n.Dial(nouns=(n.Conference(name="Room 1", beep="onEnter", max_participants=10),)),
            n.Dial(nouns=(n.Queue(name="support", url="/about-to-connect"),), action="/after"),
            n.Enqueue(name="support", wait_url="/wait.xml"),
            n.Sms(body="Your code is 1234", to="+15551234567", from_="Acme"),
            n.Email(body="Hello", to="a@example.com", from_="b@example.com", subject="Hi"),
            n.Fax(url="/doc.pdf", to="+15551234567"),
            n.Leave(),
            n.Redirect(url="http://example.com/next", method="GET"),
            n.Reject(reason="busy"),
            n.Hangup(),
        )
    )
    assert to_xml(doc) == lines(
        "<Response>",
        '  <Say voice="alice" language="en-GB" loop="2">Welcome to Acme</Say>',
        '  <Play loop="0">http://example.com/music.mp3</Play>',
        '  <Play digits="1w2#"/>',
        '  <Pause length="3"/>',
        '  <Gather action="/menu?step=1&amp;lang=en" method="GET" timeout="10" finishOnKey=""'
        ' numDigits="1" input="dtmf speech">',
        "    <Say>Press 1</Say>",
        "    <Play>beep.wav</Play>",
        "    <Pause/>",
        "  </Gather>",
        '  <Record action="/recorded" finishOnKey="-1" maxLength="60" playBeep="false"'
        ' media="audio_video"/>',
        '  <Dial timeout="20" callerId="+15550001111">',
        '    <Number sendDigits="ww1">+15551234567</Number>',
        '    <Client statusCallbackEvent="initiated completed">alice</Client>',
        '    <Sip username="bob" password="pw">sip:bob@example.com;transport=tcp</Sip>',
        "    <Uri>sip:carol@example.com</Uri>",
        "  </Dial>",
        "  <Dial>",
        '    <Conference beep="onEnter" maxParticipants="10">Room 1</Conference>',
        "  </Dial>",
        '  <Dial action="/after">',
        '    <Queue url="/about-to-connect">support</Queue>',
        "  </Dial>",
        '  <Enqueue waitUrl="/wait.xml">support</Enqueue>',
        '  <Sms to="+15551234567" from="Acme">Your code is 1234</Sms>',
        '  <Email to="a@example.com" from="b@example.com" subject="Hi">Hello</Email>',
        '  <Fax to="+15551234567">/doc.pdf</Fax>',
        "  <Leave/>",
        '  <Redirect method="GET">http://example.com/next</Redirect>',
        '  <Reject reason="busy"/>',
        "  <Hangup/>",
        "</Response>",
    )


def test_attribute_values_escape_markup_quotes_and_line_breaks() -> None:
    parameter = n.Parameter(name="note", value="a & b < c > d \"q\" 'apos'\nline\ttab\rcr")
    doc = n.Response(verbs=(n.Dial(nouns=(n.Client(name="alice", parameters=(parameter,)),)),))
    assert to_xml(doc) == lines(
        "<Response>",
        "  <Dial>",
        '    <Client name="alice">',
        '      <Parameter name="note" value="a &amp; b &lt; c &gt; d &quot;q&quot; \'apos\''
        '&#10;line&#9;tab&#13;cr"/>',
        "    </Client>",
        "  </Dial>",
        "</Response>",
    )


def test_sms_body_keeps_line_breaks_and_escapes_markup() -> None:
    doc = n.Response(verbs=(n.Sms(body='Line 1 & "two"\n  Line <2>\r\nEnd ]]>'),))
    assert to_xml(doc) == lines(
        "<Response>",
        '  <Sms>Line 1 &amp; "two"',
        "  Line &lt;2&gt;&#13;",
        "End ]]&gt;</Sms>",
        "</Response>",
    )


def test_say_with_ssml_is_written_inline_with_attributes_in_table_order() -> None:
    say = n.Say(
        voice="Polly.Joanna",
        ssml=(
            "Hello ",
            n.Ssml(name="break", attributes=(("time", "500ms"), ("strength", "weak"))),
            " ",
            n.Ssml(
                name="prosody",
                attributes=(("rate", "slow"),),
                content=(
                    "say ",
                    n.Ssml(
                        name="say-as", attributes=(("interpret-as", "digits"),), content=("123",)
                    ),  # fmt: skip
                    " & ",
                    n.Ssml(name="lang", attributes=(("xml:lang", "fr-FR"),), content=("oui",)),
                ),
            ),
            " <end>",
        ),
    )
    assert to_xml(n.Response(verbs=(say,))) == lines(
        "<Response>",
        '  <Say voice="Polly.Joanna">Hello <break time="500ms" strength="weak"/> '
        '<prosody rate="slow">say <say-as interpret-as="digits">123</say-as> &amp; '
        '<lang xml:lang="fr-FR">oui</lang></prosody> &lt;end&gt;</Say>',
        "</Response>",
    )


def test_empty_say_and_empty_ssml_elements_are_self_closed() -> None:
    doc = n.Response(verbs=(n.Say(), n.Say(ssml=(n.Ssml(name="p"),)), n.Say(voice="woman")))
    assert to_xml(doc) == lines(
        "<Response>",
        "  <Say/>",
        "  <Say><p/></Say>",
        '  <Say voice="woman"/>',
        "</Response>",
    )


@pytest.mark.parametrize(
    ("dial", "expected"),
    [
        (n.Dial(nouns=(n.Number(number="+15551234567"),)), ["<Dial>+15551234567</Dial>"]),
        (n.Dial(nouns=(n.Client(name="alice"),)), ["<Dial>client:alice</Dial>"]),
        (
            n.Dial(nouns=(n.Sip(uri="sips:bob@example.com:5061"),), record=True),
            ['<Dial record="true">sips:bob@example.com:5061</Dial>'],
        ),
        (
            n.Dial(nouns=(n.Number(number="+15551234567?X-Ref=a&B=2"),)),
            ["<Dial>+15551234567?X-Ref=a&amp;B=2</Dial>"],
        ),
        (
            n.Dial(nouns=(n.Number(number="+15551234567", method="GET"),)),
            ["<Dial>", '  <Number method="GET">+15551234567</Number>', "</Dial>"],
        ),
        (
            n.Dial(nouns=(n.Uri(uri="sip:bob@example.com"),)),
            ["<Dial>", "  <Uri>sip:bob@example.com</Uri>", "</Dial>"],
        ),
        (
            n.Dial(nouns=(n.Client(name="alice", video=n.Video()),)),
            ["<Dial>", '  <Client name="alice">', "    <Video/>", "  </Client>", "</Dial>"],
        ),
        (
            n.Dial(nouns=(n.Number(number="1001"), n.Number(number="1002"))),
            ["<Dial>", "  <Number>1001</Number>", "  <Number>1002</Number>", "</Dial>"],
        ),
        (
            n.Dial(nouns=(n.Conference(name="room"),)),
            ["<Dial>", "  <Conference>room</Conference>", "</Dial>"],
        ),
    ],
    ids=["number", "client", "sip", "headers", "attributes", "uri", "video", "two", "room"],
)
def test_dial_uses_the_text_shorthand_only_for_one_plain_target(
    dial: n.Dial, expected: list[str]
) -> None:
    assert to_xml(n.Response(verbs=(dial,))) == lines(
        "<Response>", *("  " + row for row in expected), "</Response>"
    )


def test_dial_shorthand_names_the_target_text() -> None:
    assert dial_shorthand(n.Dial(nouns=(n.Client(name="bob"),))) == "client:bob"
    assert dial_shorthand(n.Dial(nouns=(n.Queue(name="q"),))) is None
    assert dial_shorthand(n.Dial(nouns=(n.Client(name="bob", url="/screen"),))) is None
    parameter = n.Parameter(name="a", value="1")
    assert dial_shorthand(n.Dial(nouns=(n.Client(name="bob", parameters=(parameter,)),))) is None


def test_targets_with_children_move_to_the_name_attribute() -> None:
    client = n.Client(
        name="alice",
        url="/screen",
        video=n.Video(enable=True, resolution="VGA"),
        parameters=(n.Parameter(name="tier", value="gold"), n.Parameter(name="empty", value="")),
    )
    sip = n.Sip(uri="sip:bob@example.com", video=n.Video(mode="sfu"))
    room = n.Conference(name="Room & Co", muted=True, video=n.Video(layout="linear", overlay="x"))
    doc = n.Response(verbs=(n.Dial(nouns=(client, sip)), n.Dial(nouns=(room,))))
    assert to_xml(doc) == lines(
        "<Response>",
        "  <Dial>",
        '    <Client name="alice" url="/screen">',
        '      <Video enable="true" resolution="VGA"/>',
        '      <Parameter name="tier" value="gold"/>',
        '      <Parameter name="empty" value=""/>',
        "    </Client>",
        '    <Sip name="sip:bob@example.com">',
        '      <Video mode="sfu"/>',
        "    </Sip>",
        "  </Dial>",
        "  <Dial>",
        '    <Conference name="Room &amp; Co" muted="true">',
        '      <Video layout="linear" overlay="x"/>',
        "    </Conference>",
        "  </Dial>",
        "</Response>",
    )


def test_defaults_are_left_out_even_when_given_explicitly() -> None:
    gather = n.Gather(
        method="POST", timeout=5, finish_on_key="#", input=("dtmf",), language="en-US"
    )
    number = n.Number(number="+1", method="POST", status_callback_event=("completed",))
    doc = n.Response(verbs=(gather, n.Dial(nouns=(number, number)), n.Say(loop=1, voice="man")))
    assert to_xml(doc) == lines(
        "<Response>",
        "  <Gather/>",
        "  <Dial>",
        "    <Number>+1</Number>",
        "    <Number>+1</Number>",
        "  </Dial>",
        "  <Say/>",
        "</Response>",
    )


# One small instance of every node class, and how the writer puts it on its own.
WRITTEN: dict[type[n.Node], tuple[n.Node, list[str]]] = {
    n.Response: (n.Response(verbs=(n.Hangup(),)), ["<Response>", "  <Hangup/>", "</Response>"]),
    n.Say: (n.Say(text="Hi"), ["<Say>Hi</Say>"]),
    n.Play: (n.Play(url="/a.wav"), ["<Play>/a.wav</Play>"]),
    n.Pause: (n.Pause(length=2), ['<Pause length="2"/>']),
    n.Gather: (n.Gather(num_digits=4), ['<Gather numDigits="4"/>']),
    n.Record: (n.Record(transcribe=True), ['<Record transcribe="true"/>']),
    n.Redirect: (n.Redirect(url="/next"), ["<Redirect>/next</Redirect>"]),
    n.Dial: (n.Dial(nouns=(n.Number(number="+1"),)), ["<Dial>+1</Dial>"]),
    n.Number: (n.Number(number="+1", url="/s"), ['<Number url="/s">+1</Number>']),
    n.Client: (n.Client(name="al"), ["<Client>al</Client>"]),
    n.Sip: (n.Sip(uri="sip:a@b.c"), ["<Sip>sip:a@b.c</Sip>"]),
    n.Uri: (n.Uri(uri="sip:a@b.c", password="p"), ['<Uri password="p">sip:a@b.c</Uri>']),
    n.Conference: (n.Conference(name="r"), ["<Conference>r</Conference>"]),
    n.Queue: (n.Queue(name="q", method="GET"), ['<Queue method="GET">q</Queue>']),
    n.Video: (n.Video(enable=True), ['<Video enable="true"/>']),
    n.Parameter: (n.Parameter(name="k", value="v"), ['<Parameter name="k" value="v"/>']),
    n.Hangup: (n.Hangup(), ["<Hangup/>"]),
    n.Leave: (n.Leave(), ["<Leave/>"]),
    n.Reject: (n.Reject(), ["<Reject/>"]),
    n.Sms: (n.Sms(body="hi"), ["<Sms>hi</Sms>"]),
    n.Email: (n.Email(to="a@b.c", from_="d@e.f"), ['<Email to="a@b.c" from="d@e.f"/>']),
    n.Fax: (n.Fax(url="/f.pdf"), ["<Fax>/f.pdf</Fax>"]),
    n.Enqueue: (n.Enqueue(name="q"), ["<Enqueue>q</Enqueue>"]),
}


def test_the_table_covers_every_node_class() -> None:
    assert set(WRITTEN) == set(n.NODE_CLASSES)


@pytest.mark.parametrize("cls", n.NODE_CLASSES, ids=lambda cls: cls.tag)
def test_every_node_class_can_be_written(cls: type[n.Node]) -> None:
    node, expected = WRITTEN[cls]
    writer = XmlWriter()
    writer.write(node, 0)
    assert writer.lines == expected
