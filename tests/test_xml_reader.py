"""The XML reader: positions (lines, columns, attributes), BOM and leading whitespace, what is
ignored (comments, CDATA, PIs), libxml2's errors said plainly, and the two front doors."""

from __future__ import annotations

import codecs
from collections.abc import Callable

import pytest

from rcml import nodes as n
from rcml.errors import RcmlError
from rcml.xml_reader import check_xml, parse_xml

UNKNOWN_SAAY = (
    "unknown element <Saay> in <Response>; did you mean <Say>? allowed here: Say, Play, Pause, "
    "Gather, Record, Dial, Hangup, Redirect, Reject, Sms, Email, Fax, Enqueue, Leave"
)


def where(source: str | bytes) -> list[tuple[int, int | None, int]]:
    _, problems = check_xml(source, "doc.xml")
    return [(p.line, p.col, p.code) for p in problems]


def problems_of(source: str | bytes) -> list[tuple[int, int | None, int, str]]:
    _, problems = check_xml(source, "doc.xml")
    return [(p.line, p.col, p.code, p.message) for p in problems]


# --- positions -------------------------------------------------------------------------------


def test_element_problems_point_at_the_start_tag() -> None:
    assert problems_of("<Response>\n  <Say>hi</Say>   <Saay/>\n</Response>") == [
        (2, 19, 12200, UNKNOWN_SAAY)
    ]


def test_attribute_problems_point_at_the_attribute_on_a_multi_line_start_tag() -> None:
    source = (
        '<Response>\n  <Gather\n      numDigits="1"\n      timeout="soon"\n  >\n'
        "  </Gather>\n</Response>"
    )
    assert problems_of(source) == [
        (4, 7, 13313, "<Gather> attribute 'timeout': expected an integer from 1 to 600, got 'soon'")
    ]


def test_attribute_columns_skip_values_that_look_like_attributes() -> None:
    source = '<Response><Say voice=\'loop="x" >\' loop = "x">a</Say></Response>'
    assert where(source) == [(1, 16, 13511), (1, 35, 13510)]


def test_an_attribute_that_prefixes_another_is_not_confused_with_it() -> None:
    source = '<Response><Record transcribeCallback="a b" transcribe="maybe"/></Response>'
    assert where(source) == [(1, 19, 12200), (1, 44, 13614)]


def test_columns_count_characters_not_bytes() -> None:
    assert where("<Response><Say>é😀ü</Say><Saay/></Response>".encode()) == [(1, 25, 12200)]


def test_a_tab_is_one_column() -> None:
    assert where("<Response>\n\t\t<Saay/>\n</Response>") == [(2, 3, 12200)]


def test_crlf_line_ends_count_once() -> None:
    assert where(b"<Response>\r\n\r\n  <Saay/>\r\n</Response>\r\n") == [(3, 3, 12200)]


def test_markup_inside_comments_cdata_and_pis_does_not_shift_positions() -> None:
    source = (
        "<Response><!-- <Say> <Play> --><?app <Dial>?>\n"
        "<Say><![CDATA[<Gather>]]></Say><Saay/></Response>"
    )
    assert where(source) == [(2, 32, 12200)]


def test_line_numbers_after_leading_blank_lines() -> None:
    assert where("\n\n\n<Response>\n  <Saay/>\n</Response>") == [(5, 3, 12200)]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('\n\n<?xml version="1.0"?>\n<Response><Saay/></Response>', [(4, 11, 12200)]),
        ('  \n \t<?xml version="1.0"?><Response><Saay/></Response>', [(2, 34, 12200)]),
        ('\ufeff<?xml version="1.0"?>\n<Response>\t<Saay/></Response>', [(2, 12, 12200)]),
        (b'\xef\xbb\xbf\n  <?xml version="1.0"?>\n<Response><Saay/></Response>', [(3, 11, 12200)]),
        (b"\xef\xbb\xbf<Response>\n<Saay/></Response>", [(2, 1, 12200)]),
        ("\ufeff\ufeff<Response><Saay/></Response>", [(1, 11, 12200)]),
    ],
)
def test_a_bom_and_whitespace_before_the_declaration_are_ignored_but_counted(
    source: str | bytes, expected: list[tuple[int, int, int]]
) -> None:
    assert where(source) == expected


def test_syntax_errors_after_cut_whitespace_keep_their_real_position() -> None:
    assert problems_of('\n  <?xml version="1.0"?><Response><Say>&</Say></Response>') == [
        (2, 40, 12100, "a bare '&' is not allowed in XML; write '&amp;'")
    ]


def test_node_spans_carry_file_and_line() -> None:
    doc = parse_xml("\n<Response>\n  <Gather>\n    <Say>a</Say>\n  </Gather>\n</Response>", "f.xml")
    gather = doc.verbs[0]
    assert isinstance(gather, n.Gather)
    assert (doc.span, gather.span, gather.prompts[0].span) == (
        n.Span("f.xml", 2), n.Span("f.xml", 3), n.Span("f.xml", 4)
    )  # fmt: skip


def test_a_declared_single_byte_encoding_is_decoded_for_positions() -> None:
    declaration = '<?xml version="1.0" encoding="ISO-8859-1"?>\n'
    source = declaration + "<Response><Say>caf\xe9</Say><Saay/></Response>"
    assert where(source.encode("latin-1")) == [(2, 26, 12200)]
    doc = parse_xml(source.replace("<Saay/>", "").encode("latin-1"))
    assert doc.verbs == (n.Say(text="café"),)


# --- what is ignored -------------------------------------------------------------------------


def test_comments_pis_and_cdata() -> None:
    doc = parse_xml(
        '<?xml version="1.0"?><?xml-stylesheet href="x"?><!-- lead -->\n'
        "<Response><!-- a --><?pi x?><Say>Fish <![CDATA[& <chips>]]><!-- b --> too</Say>"
        "<Dial><!-- c -->+15551234567<?pi?></Dial></Response><!-- trail -->"
    )
    assert doc == n.Response(
        verbs=(n.Say(text="Fish & <chips> too"), n.Dial(nouns=(n.Number(number="+15551234567"),)))
    )


# --- libxml2's errors, said plainly ----------------------------------------------------------


BARE_AMPERSAND = "a bare '&' is not allowed in XML; write '&amp;'"


# Positions are libxml2's: for a bad '&' or '<' it points just after the character.
@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("<Response><Say>A & B</Say></Response>", (1, 19, BARE_AMPERSAND)),
        ("<Response><Say>&amp</Say></Response>", (1, 20, BARE_AMPERSAND)),
        ("<Response><Say>&nbsp;</Say></Response>", (1, 22, "undefined entity '&nbsp;': XML knows "
         "only &amp; &lt; &gt; &quot; &apos; and numeric references such as &#160;")),
        ("<Response>\n<Say>x</Play>\n</Response>", (2, 14, "mismatched tag: </Play> cannot close "
         "<Say> (opened on line 2)")),
        ("<Response>\n<Say>x", (2, 7, "the document ends before <Say> (opened on line 2) is "
         "closed")),
        ("<Response><Pause length=2/></Response>", (1, 25, "attribute values must be in straight "
         "quotes, \"...\" or '...'")),
        ('<Response><Pause length="1" length="2"/></Response>', (1, 39, "attribute 'length' is "
         "given twice")),
        ("<Response><Record playBeep/></Response>", (1, 27, "attribute 'playBeep' has no value; "
         'write playBeep="..."')),
        ('<Response><Pause a="1"b="2"/></Response>', (1, 23, "attributes must be separated by "
         "spaces")),
        ('<Response><Say a="<">x</Say></Response>', (1, 19, "a '<' is not allowed in attribute "
         "values; write '&lt;'")),
        ("<Response><Say>1 < 2</Say></Response>", (1, 19, "invalid element name after '<'; write "
         "'&lt;' for a literal '<'")),
        ("</Response>", (1, 2, "an end tag without a matching start tag")),
        ('<Response><Say a="1" <Play/></Say></Response>', (1, 22, "a '<' inside a start tag: close "
         "the tag with '>' before the next element starts")),
        ("<Response/><Response/>", (1, 12, "extra content after the root element; a document has "
         "exactly one root element, <Response>")),
        ("<Response/>\n<?xml version='1.0'?>", (2, 6, "the XML declaration must come first in the "
         "document")),
        ("<Response><!-- open", (1, 20, "a comment is not closed with '-->'")),
        ("<Response><p:Say>x</p:Say></Response>", (1, 17, "namespace prefix 'p' is not declared: "
         "RCML elements and attributes take no namespace prefix")),
        ("<Response><Say>\x01</Say></Response>", (1, 16, "character U+0001 is not allowed in XML")),
        ("<Response><Say>&#0;</Say></Response>", (1, 20, "character U+0000 is not allowed in XML")),
        ("hello", (1, 1, "not an XML document: expected <Response>")),
        ("", (1, 1, "the document is empty; expected <Response>")),
    ],
)  # fmt: skip
def test_xml_errors_are_12100_with_plain_messages(
    source: str, expected: tuple[int, int, str]
) -> None:
    [(line, col, code, message)] = problems_of(source)
    assert (line, col, message) == expected
    assert code == 12100


# --- namespaces ------------------------------------------------------------------------------


def test_every_namespace_declaration_is_reported_once_where_it_is_made() -> None:
    source = (
        '<Response xmlns="urn:a">\n  <Say xmlns:b="urn:b" b:x="1">hi</Say>\n'
        '  <Play xmlns="urn:a">a.mp3</Play>\n</Response>'
    )
    assert problems_of(source) == [
        (1, 11, 12200, 'namespace declaration xmlns="urn:a" is not allowed: RCML elements and '
         "attributes are not in a namespace"),
        (2, 8, 12200, 'namespace declaration xmlns:b="urn:b" is not allowed: RCML elements and '
         "attributes are not in a namespace"),
        (2, 24, 12200, "attribute 'b:x' on <Say> is in a namespace; RCML attributes take no "
         "namespace prefix"),
    ]  # fmt: skip


def test_the_xml_prefix_needs_no_declaration_but_is_only_known_on_ssml_lang() -> None:
    assert problems_of('<Response><Say xml:lang="en">hi</Say></Response>') == [
        (1, 16, 12200, "unknown attribute 'xml:lang' on <Say>; allowed: voice, language, loop")
    ]


# --- the front doors -------------------------------------------------------------------------


def test_str_and_bytes_give_the_same_document() -> None:
    text = '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Say>héllo</Say></Response>'
    assert parse_xml(text) == parse_xml(text.encode())


def _spans(node: n.Node) -> list[tuple[str, n.Span | None]]:
    """Every node's tag and span, depth first (Video and Parameter included)."""
    found = [(node.tag, node.span)]
    for value in vars(node).values():
        kids = value if isinstance(value, tuple) else (value,)
        for kid in kids:
            if isinstance(kid, n.Node) and not isinstance(kid, n.Ssml):
                found.extend(_spans(kid))
    return found


DOCUMENT = (
    '<Response>\n  <Say voice="alice">Hi</Say>\n  <Dial>\n    <Client name="bob">\n'
    '      <Video enable="true"/>\n    </Client>\n  </Dial>\n</Response>\n'
)
# The same text as each kind of source: check_xml parses plain bytes as they are and sends the
# others through _prepare.
AS_EACH_SOURCE = {
    "str": str,
    "plain-bytes": lambda text: text.encode("utf-8"),
    "bom": lambda text: codecs.BOM_UTF8 + text.encode("utf-8"),
    "utf-16": lambda text: text.encode("utf-16"),
}


@pytest.mark.parametrize("make", AS_EACH_SOURCE.values(), ids=AS_EACH_SOURCE.keys())
def test_every_kind_of_source_gives_the_same_document_and_spans(
    make: Callable[[str], str | bytes],
) -> None:
    doc = parse_xml(make(DOCUMENT), "f.xml")
    assert doc == parse_xml(DOCUMENT)
    assert _spans(doc) == [
        ("Response", n.Span("f.xml", 1)),
        ("Say", n.Span("f.xml", 2)),
        ("Dial", n.Span("f.xml", 3)),
        ("Client", n.Span("f.xml", 4)),
        ("Video", n.Span("f.xml", 5)),
    ]


@pytest.mark.parametrize("make", AS_EACH_SOURCE.values(), ids=AS_EACH_SOURCE.keys())
def test_every_kind_of_source_gives_the_same_problems(make: Callable[[str], str | bytes]) -> None:
    source = DOCUMENT.replace('"alice"', '"bobby"').replace("<Dial>", "<Dial><Saay/>")
    assert problems_of(make(source)) == [
        (
            2,
            8,
            13511,
            "<Say> attribute 'voice': expected man, woman, alice, Polly.NAME[-ENGINE] or "
            "Google.NAME, got 'bobby'",
        ),
        (
            3,
            9,
            12200,
            "unknown element <Saay> in <Dial>; allowed here: Number, Client, Sip, Uri, "
            "Conference, Queue",
        ),
    ]


def test_parse_xml_raises_with_every_error_and_no_warning() -> None:
    source = '<Response><Say loop="x"/><Foo/><Dial><Uri>sip:a@b.com</Uri></Dial></Response>'
    with pytest.raises(RcmlError) as raised:
        parse_xml(source, "doc.xml")
    assert [(p.line, p.col, p.code) for p in raised.value.errors] == [
        (1, 16, 13510),
        (1, 26, 12200),
    ]
    assert str(raised.value) == (
        "doc.xml:1:16: error: <Say> attribute 'loop': expected an integer from 0 to 1000, got 'x'"
        " (and 1 more problem)"
    )


def test_parse_xml_returns_a_document_with_warnings() -> None:
    doc = parse_xml("<Response><Hangup/><Say>late</Say></Response>")
    assert doc.verbs == (n.Hangup(), n.Say(text="late"))


def test_check_xml_without_a_filename_reports_none() -> None:
    _, [problem] = check_xml("<Response><Saay/></Response>")
    assert problem.filename is None
    assert problem.format() == f"<string>:1:11: error: {UNKNOWN_SAAY}"


def test_problem_format_shows_the_source_line_and_a_caret() -> None:
    source = "<Response>\n  <Say loop='x'>a</Say>\n</Response>"
    _, [problem] = check_xml(source, "doc.xml")
    assert problem.format(source).splitlines() == [
        "doc.xml:2:8: error: <Say> attribute 'loop': expected an integer from 0 to 1000, got 'x'",
        "      <Say loop='x'>a</Say>",
        "           ^",
    ]
