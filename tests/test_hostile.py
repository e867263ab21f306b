"""Hostile input: every attack or accident ends in one clear, positioned problem, quickly, without
a traceback and without touching files or the network."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from rcml import xml_reader
from rcml.errors import Problem
from rcml.xml_reader import MAX_DOCUMENT_BYTES, check_xml

DOCTYPE = "DOCTYPE declarations are not allowed: RCML documents take no DTD and no entities"
# A guard against pathological slowness only: every case here takes milliseconds.
SECONDS = 1.0


def timed_check(source: str | bytes) -> tuple[object, list[Problem]]:
    start = time.perf_counter()
    result = check_xml(source, "hostile.xml")
    assert time.perf_counter() - start < SECONDS
    return result


def only_problem(source: str | bytes) -> tuple[int, int | None, int, str]:
    doc, problems = timed_check(source)
    assert doc is None
    [problem] = problems
    assert problem.filename == "hostile.xml"
    return problem.line, problem.col, problem.code, problem.message


@pytest.fixture
def listener() -> Iterator[tuple[socket.socket, int]]:
    """A local TCP port that records whether anything connected to it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.setblocking(False)
    yield server, server.getsockname()[1]
    server.close()


def assert_nobody_connected(server: socket.socket) -> None:
    time.sleep(0.05)
    with pytest.raises(BlockingIOError):
        server.accept()


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text("TOP-SECRET-CONTENT", encoding="utf-8")
    return path


LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<Response><Say voice="&lol9;">&lol9;</Say></Response>
"""


# --- entities and DTDs -----------------------------------------------------------------------


def test_billion_laughs_is_refused_at_its_doctype() -> None:
    assert only_problem(LAUGHS) == (2, 1, 12100, DOCTYPE)
    assert only_problem(LAUGHS.encode("utf-16")) == (2, 1, 12100, DOCTYPE)


def test_external_file_entity_is_refused_and_never_read(secret: Path) -> None:
    source = (
        f'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "{secret.as_uri()}">]>\n'
        "<Response><Say>&x;</Say></Response>"
    )
    assert only_problem(source) == (2, 1, 12100, DOCTYPE)


def test_external_http_entity_is_refused_without_connecting(
    listener: tuple[socket.socket, int],
) -> None:
    server, port = listener
    source = (
        f'<!DOCTYPE r [<!ENTITY x SYSTEM "http://127.0.0.1:{port}/x">]>\n'
        "<Response><Say>&x;</Say></Response>"
    )
    assert only_problem(source) == (1, 1, 12100, DOCTYPE)
    assert_nobody_connected(server)


def test_external_dtd_is_refused_without_connecting(listener: tuple[socket.socket, int]) -> None:
    server, port = listener
    source = f'<!DOCTYPE Response SYSTEM "http://127.0.0.1:{port}/rcml.dtd">\n<Response/>'
    assert only_problem(source) == (1, 1, 12100, DOCTYPE)
    assert_nobody_connected(server)


def test_internal_dtd_after_comments_is_refused_where_it_stands() -> None:
    source = '<?xml version="1.0"?>\n<!-- a comment -->\n  <!DOCTYPE Response [\n]>\n<Response/>'
    assert only_problem(source) == (3, 3, 12100, DOCTYPE)


def test_doctype_words_inside_a_comment_are_only_text() -> None:
    doc, problems = timed_check(
        "<!-- <!DOCTYPE x> --><Response><Say>&lt;!DOCTYPE&gt;</Say></Response>"
    )
    assert doc is not None and problems == []


@pytest.mark.parametrize("forced_utf8", [False, True])
def test_the_parser_itself_neither_expands_nor_fetches(
    forced_utf8: bool, secret: Path, listener: tuple[socket.socket, int]
) -> None:
    """Defence in depth: even a DOCTYPE slipping past the check reaches a parser that loads
    nothing: no entity expansion, no external DTD, no network."""
    server, port = listener
    source = (
        f'<!DOCTYPE r SYSTEM "http://127.0.0.1:{port}/r.dtd" [\n'
        f'  <!ENTITY file SYSTEM "{secret.as_uri()}">\n'
        f'  <!ENTITY web SYSTEM "http://127.0.0.1:{port}/x">\n'
        f'  <!ENTITY % remote SYSTEM "http://127.0.0.1:{port}/p"> %remote;\n'
        "]>\n<Response><Say>&file;&web;</Say></Response>"
    )
    root = etree.fromstring(source.encode(), xml_reader._parser(forced_utf8))
    assert "TOP-SECRET" not in etree.tostring(root, encoding="unicode")
    assert root[0].text is None  # the references stay unexpanded entity nodes
    assert_nobody_connected(server)


def test_xinclude_is_not_processed(secret: Path) -> None:
    source = (
        '<Response xmlns:xi="http://www.w3.org/2001/XInclude">'
        f'<xi:include href="{secret.as_uri()}" parse="text"/></Response>'
    )
    doc, problems = timed_check(source)
    assert doc is None
    assert [(p.line, p.col, p.code, p.message) for p in problems] == [
        (1, 11, 12200, 'namespace declaration xmlns:xi="http://www.w3.org/2001/XInclude" is not '
         "allowed: RCML elements and attributes are not in a namespace"),
        (1, 54, 12200, "unknown element <xi:include> in <Response>; allowed here: Say, Play, "
         "Pause, Gather, Record, Dial, Hangup, Redirect, Reject, Sms, Email, Fax, Enqueue, Leave"),
    ]  # fmt: skip


# --- size and depth --------------------------------------------------------------------------


def test_a_50_mb_document_is_refused_before_parsing() -> None:
    source = b"<Response>" + b"<Say>spam</Say>" * (50 * 1024 * 1024 // 15) + b"</Response>"
    size = f"{len(source):,}"
    assert only_problem(source) == (
        1, None, 12100, f"the document is {size} bytes; the limit is 1 MiB (1,048,576 bytes)"
    )  # fmt: skip
    text = source.decode()
    assert only_problem(text)[3].startswith(f"the document is {size} bytes")


def test_the_size_limit_is_exact() -> None:
    def document(size: int) -> bytes:
        head, tail = b"<Response><!--", b"--></Response>"
        return head + b"x" * (size - len(head) - len(tail)) + tail

    doc, problems = timed_check(document(MAX_DOCUMENT_BYTES))
    assert doc is not None and problems == []
    assert only_problem(document(MAX_DOCUMENT_BYTES + 1)) == (
        1, None, 12100, "the document is 1,048,577 bytes; the limit is 1 MiB (1,048,576 bytes)"
    )  # fmt: skip


def test_the_size_of_a_str_counts_its_utf8_bytes() -> None:
    body = "é" * (MAX_DOCUMENT_BYTES // 2)
    assert only_problem(f"<Response><Say>{body}</Say></Response>")[3] == (
        "the document is 1,048,608 bytes; the limit is 1 MiB (1,048,576 bytes)"
    )


def test_10000_deep_nesting_stops_at_the_parser_limit() -> None:
    source = "<Response>" + "<Say>" * 10_000 + "</Say>" * 10_000 + "</Response>"
    assert only_problem(source) == (1, 1290, 12100, "elements are nested more than 256 levels deep")


def test_nesting_just_under_the_limit_is_validated_without_recursion_trouble() -> None:
    depth = 253  # Response, Say and 253 <s>: 255 levels, the most libxml2 accepts here
    source = "<Response><Say>" + "<s>" * depth + "deep" + "</s>" * depth + "</Say></Response>"
    doc, problems = timed_check(source)
    assert doc is not None and problems == []
    misplaced = "<Response>" + "<Gather>" * depth + "</Gather>" * depth + "</Response>"
    doc, problems = timed_check(misplaced)
    assert [(p.line, p.col, p.code) for p in problems] == [(1, 19, 13320)]


def test_a_huge_attribute_value_is_not_echoed_whole() -> None:
    value = "9" * 500_000
    line, col, code, message = only_problem(f'<Response><Pause length="{value}"/></Response>')
    assert (line, col, code) == (1, 18, 13910)
    assert message == (
        "<Pause> attribute 'length': expected an integer from 0 to 14400, got "
        "'9999999999999999999999999999999999999999…' (500000 characters)"
    )


# --- encodings and non-documents -------------------------------------------------------------


def test_invalid_utf8_is_reported_at_the_bad_byte() -> None:
    assert only_problem(b"<Response>\n  <Say>caf\xe9 au lait</Say>\n</Response>") == (
        2, 11, 12100, "the bytes here are not valid in the document's encoding; save the file "
        "as UTF-8 (or declare its real encoding in the XML declaration)",
    )  # fmt: skip


def test_a_lone_surrogate_in_a_str_is_reported() -> None:
    assert only_problem("<Response><Say>\ud800</Say></Response>") == (
        1, 16, 12100, "a lone surrogate here is not a character; the text is not valid Unicode"
    )  # fmt: skip


@pytest.mark.parametrize("source", [b"", "", b"   \n\t ", "\ufeff"], ids=repr)
def test_an_empty_document_says_so(source: str | bytes) -> None:
    line, col, code, message = only_problem(source)
    assert (code, message) == (12100, "the document is empty; expected <Response>")
    assert line >= 1


def test_binary_garbage_is_not_xml() -> None:
    garbage = bytes(range(256)) * 16
    assert only_problem(garbage) == (1, 1, 12100, "not an XML document: expected <Response>")


def test_a_png_is_not_xml() -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01"
    assert only_problem(png) == (1, 1, 12100, "not an XML document: expected <Response>")


def test_nul_characters_are_refused() -> None:
    assert only_problem(b"<Response>\x00</Response>") == (
        1, 11, 12100, "character U+0000 is not allowed in XML"
    )  # fmt: skip


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_documents_are_read_with_character_positions(codec: str) -> None:
    declared = '<?xml version="1.0" encoding="UTF-16"?>\n' if codec == "utf-16" else ""
    good = f'{declared}<Response>\n  <Say language="fr">héllo ☺</Say>\n</Response>\n'
    doc, problems = timed_check(good.encode(codec))
    assert problems == [] and doc is not None
    assert doc.verbs[0].text == "héllo ☺"  # type: ignore[attr-defined]
    bad = f"{declared}<Response>\n  <Say>ééé</Say><Sai/>\n</Response>\n"
    line_offset = 1 if declared else 0
    _, problems = timed_check(bad.encode(codec))
    assert [(p.line, p.col, p.code) for p in problems] == [(2 + line_offset, 17, 12200)]


def test_truncated_utf16_is_reported_where_it_breaks() -> None:
    source = "<Response>\n<Say>x</Say></Response>".encode("utf-16-le")[:-1]
    source = b"\xff\xfe" + source
    assert only_problem(source) == (2, 23, 12100, "the bytes here are not valid UTF-16-LE")


def test_a_str_with_an_encoding_declaration_is_read_as_the_text_it_is() -> None:
    source = '<?xml version="1.0" encoding="ISO-8859-1"?>\n<Response><Say>Ünïcödé</Say></Response>'
    doc, problems = timed_check(source)
    assert problems == [] and doc is not None
    assert doc.verbs[0].text == "Ünïcödé"  # type: ignore[attr-defined]
    bogus = '<?xml version="1.0" encoding="no-such-codec"?>\n<Response><Sai/></Response>'
    _, problems = timed_check(bogus)
    assert [(p.line, p.col, p.code) for p in problems] == [(2, 11, 12200)]


def test_an_unknown_declared_encoding_in_bytes_is_reported() -> None:
    source = b'<?xml version="1.0" encoding="no-such-codec"?>\n<Response/>'
    assert only_problem(source) == (
        1, 45, 12100, "unsupported encoding 'no-such-codec' in the XML declaration; use UTF-8"
    )  # fmt: skip


# --- anything at all -------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    _, problems = check_xml(data, "fuzz.xml")
    assert all(problem.line >= 1 and problem.message for problem in problems)


@settings(max_examples=200, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list('<>/="&;!?-[] \n\tabSayResponsDil:') + ["\ufeff", "é"]),
        max_size=120,
    )
)
def test_arbitrary_markup_like_text_never_raises(text: str) -> None:
    for source in (text, "<Response>" + text + "</Response>"):
        _, problems = check_xml(source, "fuzz.xml")
        assert all(problem.line >= 1 and problem.message for problem in problems)
