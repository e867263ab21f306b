"""Tests of rcml.targets: dial-target parsing, errors, normalisation and the regex fast path."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from rcml import grammar_files
from rcml.grammar_files import grammar_text
from rcml.targets import (
    ClientTarget,
    NumberTarget,
    SipTarget,
    Target,
    TargetError,
    _fast_parse,
    _lark_parse,
    _parser,
    normalize,
    parse_client,
    parse_number,
    parse_sip,
    parse_target,
    shorthand_kind,
)

REPO = Path(__file__).resolve().parent.parent

PARSERS: dict[str, Callable[[str], Target]] = {
    "target": parse_target,
    "number": parse_number,
    "client": parse_client,
    "sip": parse_sip,
}


def assert_plain(target: Target) -> None:
    """Every str in a result is a plain str: Lark Tokens compare equal but must not leak."""
    for field in dataclasses.fields(target):
        value = getattr(target, field.name)
        items = [value] if not isinstance(value, tuple) else [x for pair in value for x in pair]
        for item in items:
            assert item is None or type(item) in (str, int), (field.name, type(item))


# (parser, text, expected result, expected .address)
VALID: list[tuple[str, str, Target, str]] = [
    ("target", "+15551234567", NumberTarget("+15551234567"), "+15551234567"),
    ("target", "1234", NumberTarget("1234"), "1234"),
    ("target", "tel:+15551234567", NumberTarget("+15551234567"), "+15551234567"),
    ("target", "TeL:1234", NumberTarget("1234"), "1234"),
    ("number", "123456789012345", NumberTarget("123456789012345"), "123456789012345"),
    ("number", "+123456789012345", NumberTarget("+123456789012345"), "+123456789012345"),
    ("number", "7", NumberTarget("7"), "7"),
    (
        "number",
        "+15551234567?Account=42&X-Ref=a%20b",
        NumberTarget("+15551234567", (("X-Account", "42"), ("X-Ref", "a b"))),
        "+15551234567",
    ),
    (
        "number",
        "tel:1555?empty=",
        NumberTarget("1555", (("X-empty", ""),)),
        "1555",
    ),
    ("target", "client:alice", ClientTarget("alice"), "client:alice"),
    ("target", "CLIENT:Alice", ClientTarget("Alice"), "client:Alice"),
    ("target", "client:a.b_c-9", ClientTarget("a.b_c-9"), "client:a.b_c-9"),
    ("client", "alice", ClientTarget("alice"), "client:alice"),
    ("client", "client:alice", ClientTarget("alice"), "client:alice"),
    ("client", "Client:alice", ClientTarget("alice"), "client:alice"),
    ("client", "client", ClientTarget("client"), "client:client"),
    ("client", "x" * 256, ClientTarget("x" * 256), "client:" + "x" * 256),
    ("target", "client:" + "y" * 256, ClientTarget("y" * 256), "client:" + "y" * 256),
    (
        "target",
        "sip:bob@example.com",
        SipTarget("sip", "bob", "example.com"),
        "sip:bob@example.com",
    ),
    ("sip", "SIP:bob@Example.COM", SipTarget("sip", "bob", "Example.COM"), "sip:bob@Example.COM"),
    ("sip", "sIpS:bob@localhost", SipTarget("sips", "bob", "localhost"), "sips:bob@localhost"),
    (
        "sip",
        "sip:bob@example.com.",
        SipTarget("sip", "bob", "example.com."),
        "sip:bob@example.com.",
    ),
    (
        "sip",
        "sip:bob@a-1.b2.example",
        SipTarget("sip", "bob", "a-1.b2.example"),
        "sip:bob@a-1.b2.example",
    ),
    ("sip", "sip:bob@10.0.0.1", SipTarget("sip", "bob", "10.0.0.1"), "sip:bob@10.0.0.1"),
    (
        "sip",
        "sip:bob@255.255.255.0",
        SipTarget("sip", "bob", "255.255.255.0"),
        "sip:bob@255.255.255.0",
    ),
    (
        "sip",
        "sips:alice@[2001:db8::1]:5061",
        SipTarget("sips", "alice", "[2001:db8::1]", 5061),
        "sips:alice@[2001:db8::1]:5061",
    ),
    (
        "sip",
        "sip:a@[::ffff:10.0.0.1]",
        SipTarget("sip", "a", "[::ffff:10.0.0.1]"),
        "sip:a@[::ffff:10.0.0.1]",
    ),
    (
        "sip",
        "sip:bob@example.com:1",
        SipTarget("sip", "bob", "example.com", 1),
        "sip:bob@example.com:1",
    ),
    (
        "sip",
        "sip:bob@example.com:65535",
        SipTarget("sip", "bob", "example.com", 65535),
        "sip:bob@example.com:65535",
    ),
    (
        "target",
        "sip:bob@example.com:5080;transport=tcp",
        SipTarget("sip", "bob", "example.com", 5080, (("transport", "tcp"),)),
        "sip:bob@example.com:5080;transport=tcp",
    ),
    (
        "sip",
        "sip:+15551234567@trunk.example.com;user=phone;lr;maddr=10.0.0.1:5060",
        SipTarget(
            "sip",
            "+15551234567",
            "trunk.example.com",
            None,
            (("user", "phone"), ("lr", None), ("maddr", "10.0.0.1:5060")),
        ),
        "sip:+15551234567@trunk.example.com;user=phone;lr;maddr=10.0.0.1:5060",
    ),
    (
        "sip",
        "sip:a.b_c!~*'()+%-@x",
        SipTarget("sip", "a.b_c!~*'()+%-", "x"),
        "sip:a.b_c!~*'()+%-@x",
    ),
    (
        "target",
        "sip:bob@example.com;transport=tls?X-Foo=bar&Custom=a%20b%26c&x-low=1&EMPTY=",
        SipTarget(
            "sip",
            "bob",
            "example.com",
            None,
            (("transport", "tls"),),
            (("X-Foo", "bar"), ("X-Custom", "a b&c"), ("x-low", "1"), ("X-EMPTY", "")),
        ),
        "sip:bob@example.com;transport=tls",
    ),
    (
        "sip",
        "sip:bob@example.com?h=%E2%82%AC/[]?:+$",
        SipTarget("sip", "bob", "example.com", headers=(("X-h", "\u20ac/[]?:+$"),)),
        "sip:bob@example.com",
    ),
]


@pytest.mark.parametrize(("kind", "text", "expected", "address"), VALID)
def test_valid_targets(kind: str, text: str, expected: Target, address: str) -> None:
    result = PARSERS[kind](text)
    assert result == expected
    assert type(result) is type(expected)
    assert result.address == address
    assert_plain(result)
    # The Lark path alone gives the same answer, so the fast path is not hiding anything.
    lark = _lark_parse({"client": "client_text"}.get(kind, kind), text)
    assert lark == expected
    assert_plain(lark)
    if kind in ("target", "sip") or (kind == "number" and "?" not in text):
        assert parse_target(text) == expected


# (parser, text, exact message, column)
INVALID: list[tuple[str, str, str, int | None]] = [
    ("target", "sip:bob", "invalid SIP URI 'sip:bob': expected '@' and a host after the user", 8),
    (
        "target",
        "sip:bob#x",
        "invalid SIP URI 'sip:bob#x': unexpected '#' at column 8; "
        "expected '@' and a host after the user",
        8,
    ),
    (
        "number",
        "+1 555 1234",
        "invalid phone number '+1 555 1234': spaces are not allowed in numbers",
        3,
    ),
    (
        "target",
        "+1 555 1234",
        "invalid phone number '+1 555 1234': spaces are not allowed in numbers",
        3,
    ),
    ("number", " 1555", "invalid phone number ' 1555': spaces are not allowed in numbers", 1),
    ("number", "555-1234", "invalid phone number '555-1234': dashes are not allowed in numbers", 4),
    ("target", "1.555", "invalid phone number '1.555': dots are not allowed in numbers", 2),
    (
        "target",
        "(555)1234",
        "invalid phone number '(555)1234': parentheses are not allowed in numbers",
        1,
    ),
    (
        "number",
        "1234567890123456",
        "invalid phone number '1234567890123456': numbers have at most 15 digits, this one has 16",
        16,
    ),
    (
        "number",
        "tel:+1234567890123456",
        "invalid phone number 'tel:+1234567890123456': "
        "numbers have at most 15 digits, this one has 16",
        21,
    ),
    (
        "number",
        "",
        "invalid phone number '': expected a phone number: "
        "digits with an optional leading '+', 1 to 15 digits",
        1,
    ),
    (
        "number",
        "client:alice",
        "invalid phone number 'client:alice': expected a phone number: "
        "digits with an optional leading '+', 1 to 15 digits",
        1,
    ),
    (
        "number",
        "+",
        "invalid phone number '+': expected a phone number: "
        "digits with an optional leading '+', 1 to 15 digits",
        2,
    ),
    (
        "number",
        "1555x",
        "invalid phone number '1555x': unexpected 'x' at column 5; "
        "expected only digits, optionally followed by '?' and headers",
        5,
    ),
    (
        "target",
        "client:",
        "invalid client name 'client:': expected a name of letters, digits, '_', '.' or '-'",
        8,
    ),
    (
        "client",
        "client:",
        "invalid client name 'client:': expected a name of letters, digits, '_', '.' or '-'",
        8,
    ),
    (
        "client",
        "",
        "invalid client name '': expected a name of letters, digits, '_', '.' or '-'",
        1,
    ),
    (
        "target",
        "client:alice?X-Foo=1",
        "invalid client name 'client:alice?X-Foo=1': client: addresses take no ?headers",
        13,
    ),
    (
        "client",
        "alice?a=b",
        "invalid client name 'alice?a=b': client: addresses take no ?headers",
        6,
    ),
    (
        "client",
        "al ice",
        "invalid client name 'al ice': unexpected ' ' at column 3; "
        "a client name may only contain letters, digits, '_', '.' or '-'",
        3,
    ),
    (
        "client",
        "z" * 257,
        "invalid client name '"
        + "z" * 77
        + "...': client names have at most 256 characters, this one has 257",
        257,
    ),
    (
        "target",
        "alice",
        "invalid dial target 'alice': "
        "expected a phone number, 'client:NAME' or a 'sip:'/'sips:' URI",
        1,
    ),
    (
        "target",
        "bob@example.com",
        "invalid SIP URI 'bob@example.com': a SIP URI must start with 'sip:' or 'sips:'",
        1,
    ),
    (
        "sip",
        "bob@example.com",
        "invalid SIP URI 'bob@example.com': a SIP URI must start with 'sip:' or 'sips:'",
        1,
    ),
    (
        "sip",
        "+15551234567",
        "invalid SIP URI '+15551234567': a SIP URI must start with 'sip:' or 'sips:'",
        1,
    ),
    # Unicode case folding must not turn these into schemes.
    (
        "sip",
        "\u017fip:bob@x",
        "invalid SIP URI '\u017fip:bob@x': a SIP URI must start with 'sip:' or 'sips:'",
        1,
    ),
    (
        "target",
        "cl\u0131ent:bob",
        "invalid dial target 'cl\u0131ent:bob': "
        "expected a phone number, 'client:NAME' or a 'sip:'/'sips:' URI",
        1,
    ),
    (
        "sip",
        "sip:@example.com",
        "invalid SIP URI 'sip:@example.com': unexpected '@' at column 5; "
        "expected a user name of letters, digits or any of _.!~*'()+%- before '@'",
        5,
    ),
    (
        "sip",
        "sip:bob:secret@example.com",
        "invalid SIP URI 'sip:bob:secret@example.com': unexpected ':' at column 8; "
        "expected '@' and a host after the user",
        8,
    ),
    (
        "sip",
        "sip:bob@",
        "invalid SIP URI 'sip:bob@': "
        "expected a host name, IPv4 address or '[IPv6 address]' after '@'",
        9,
    ),
    (
        "sip",
        "sip:bob@256.1.1.1",
        "invalid SIP URI 'sip:bob@256.1.1.1': "
        "'256.1.1.1' is not a valid IPv4 address (four numbers from 0 to 255)",
        9,
    ),
    (
        "sip",
        "sip:bob@exa_mple.com",
        "invalid SIP URI 'sip:bob@exa_mple.com': 'exa_mple.com' is not a valid host name "
        "(labels of letters, digits and inner '-', separated by '.', the last one starting "
        "with a letter) or IPv4 address",
        9,
    ),
    (
        "sip",
        "sip:bob@[1::2::3]",
        "invalid SIP URI 'sip:bob@[1::2::3]': '[1::2::3]' is not a valid IPv6 address",
        9,
    ),
    (
        "sip",
        "sip:bob@[::1",
        "invalid SIP URI 'sip:bob@[::1': expected ']' to close the IPv6 address",
        13,
    ),
    (
        "sip",
        "sip:bob@example.com:0",
        "invalid SIP URI 'sip:bob@example.com:0': port 0 is out of range; ports go from 1 to 65535",
        21,
    ),
    (
        "target",
        "sip:bob@example.com:65536",
        "invalid SIP URI 'sip:bob@example.com:65536': "
        "port 65536 is out of range; ports go from 1 to 65535",
        21,
    ),
    (
        "sip",
        "sip:bob@example.com:05060",
        "invalid SIP URI 'sip:bob@example.com:05060': port '05060' must not have leading zeros",
        21,
    ),
    (
        "sip",
        "sip:bob@example.com:",
        "invalid SIP URI 'sip:bob@example.com:': expected a port number from 1 to 65535 after ':'",
        21,
    ),
    (
        "sip",
        "sip:bob@example.com x",
        "invalid SIP URI 'sip:bob@example.com x': unexpected ' ' at column 20; "
        "expected ':port', ';parameters' or '?headers' after the host",
        20,
    ),
    (
        "sip",
        "sip:bob@example.com;",
        "invalid SIP URI 'sip:bob@example.com;': "
        "expected a parameter name of letters, digits or any of _.!~*'()%:+-",
        21,
    ),
    (
        "sip",
        "sip:bob@example.com;transport=",
        "invalid SIP URI 'sip:bob@example.com;transport=': "
        "expected a parameter value of letters, digits or any of _.!~*'()%:+- after '='",
        31,
    ),
    (
        "sip",
        "sip:bob@example.com;lr#",
        "invalid SIP URI 'sip:bob@example.com;lr#': unexpected '#' at column 23; "
        "expected '=value', ';parameters' or '?headers' after the parameter name",
        23,
    ),
    (
        "sip",
        "sip:bob@example.com?",
        "invalid SIP URI 'sip:bob@example.com?': expected a header name of letters, digits or '-'",
        21,
    ),
    (
        "sip",
        "sip:bob@example.com?X-Foo",
        "invalid SIP URI 'sip:bob@example.com?X-Foo': "
        "expected '=' and a value after the header name",
        26,
    ),
    (
        "sip",
        "sip:bob@example.com?X-Foo=a b",
        "invalid SIP URI 'sip:bob@example.com?X-Foo=a b': unexpected ' ' at column 28; "
        "header values must be percent-encoded and headers separated by '&'",
        28,
    ),
    (
        "sip",
        "sip:bob@example.com?X-Foo=%zz",
        "invalid SIP URI 'sip:bob@example.com?X-Foo=%zz': unexpected '%' at column 27; "
        "a '%' in a header value must start an escape of two hex digits such as %20",
        27,
    ),
    (
        "target",
        "1555?a=1&",
        "invalid phone number '1555?a=1&': expected a header name of letters, digits or '-'",
        10,
    ),
]


@pytest.mark.parametrize(("kind", "text", "message", "col"), INVALID)
def test_invalid_targets(kind: str, text: str, message: str, col: int | None) -> None:
    with pytest.raises(TargetError) as info:
        PARSERS[kind](text)
    error = info.value
    assert error.message == message
    assert str(error) == message
    assert error.col == col
    assert isinstance(error, ValueError)
    # Lark's exception must not leak, not even as the implicit context.
    assert error.__cause__ is None
    assert error.__context__ is None or error.__suppress_context__


def test_target_error_defaults() -> None:
    error = TargetError("bad")
    assert (error.message, error.col, str(error)) == ("bad", None, "bad")


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("client:alice", "client"),
        ("CLIENT:alice", "client"),
        ("client:bob@example.com", "client"),
        ("sip:bob@example.com", "sip"),
        ("SIPS:bob@example.com", "sip"),
        ("sip:bob", "sip"),
        ("bob@example.com", "sip"),
        ("+15551234567@trunk", "sip"),
        ("+15551234567", "number"),
        ("1234", "number"),
        ("tel:+15551234567", "number"),
        ("alice", "number"),
        ("clientx", "number"),
        ("client", "number"),
        ("sipx:bob", "number"),
    ],
)
def test_shorthand_kind(text: str, kind: str) -> None:
    assert shorthand_kind(text) == kind


@pytest.mark.parametrize(
    ("kind", "text", "canonical"),
    [
        ("number", "+15551234567", "+15551234567"),
        ("number", "tel:+15551234567", "+15551234567"),
        ("number", "TEL:1234?Foo=a%20b", "1234?Foo=a%20b"),
        ("client", "alice", "alice"),
        ("client", "client:alice", "alice"),
        ("client", "CLIENT:Alice", "Alice"),
        ("sip", "sip:bob@example.com", "sip:bob@example.com"),
        ("sip", "SIPS:Bob@Example.com", "sips:Bob@Example.com"),
        (
            "sip",
            "Sip:bob@example.com:5080;Transport=TCP?foo=a%20b",
            "sip:bob@example.com:5080;Transport=TCP?foo=a%20b",
        ),
    ],
)
def test_normalize(kind: str, text: str, canonical: str) -> None:
    assert normalize(kind, text) == canonical
    assert type(normalize(kind, text)) is str


@pytest.mark.parametrize(
    ("kind", "text", "message"),
    [
        ("number", "+1 555", "invalid phone number '+1 555': spaces are not allowed in numbers"),
        (
            "sip",
            "bob@example.com",
            "invalid SIP URI 'bob@example.com': a SIP URI must start with 'sip:' or 'sips:'",
        ),
        (
            "client",
            "client:alice?a=b",
            "invalid client name 'client:alice?a=b': client: addresses take no ?headers",
        ),
        (
            "number",
            "client:alice",
            "invalid phone number 'client:alice': expected a phone number: "
            "digits with an optional leading '+', 1 to 15 digits",
        ),
    ],
)
def test_normalize_rejects_invalid(kind: str, text: str, message: str) -> None:
    with pytest.raises(TargetError) as info:
        normalize(kind, text)
    assert info.value.message == message


def test_normalize_unknown_kind() -> None:
    with pytest.raises(ValueError, match="unknown target kind 'phone'") as info:
        normalize("phone", "+1555")
    assert not isinstance(info.value, TargetError)


@pytest.mark.parametrize(
    ("start", "text"),
    [
        ("target", "+15551234567"),
        ("target", "1234"),
        ("number", "+15551234567"),
        ("target", "client:alice"),
        ("client_text", "alice"),
        ("client_text", "client:alice"),
        ("target", "sip:bob@example.com"),
        ("sip", "SIPS:bob@10.0.0.1"),
        ("sip", "sip:bob@example.com:5080;transport=tcp;lr"),
        # tel: numbers, ?headers and bracketed IPv6 hosts (each form of the golden corpus)
        ("number", "tel:+441234567890"),
        ("number", "TEL:5551234"),
        ("target", "tel:+15557654321"),
        ("number", "+15557654321?X-Team=blue"),
        ("number", "+15551234567?X-Account=42&X-Source=web"),
        ("number", "tel:1555?empty=&X-Ref=a%20b"),
        ("sip", "sips:erin@example.com:5061;transport=tls?Priority=urgent"),
        ("sip", "sip:dave@[2001:db8::1]?X-Custom=1&Other=two"),
        ("target", "sip:dave@[::ffff:10.0.0.1]:5060;lr"),
    ],
)
def test_fast_path_covers_common_forms(start: str, text: str) -> None:
    # Performance relies on these never reaching Lark.
    assert _fast_parse(start, text) is not None


@pytest.mark.parametrize(
    ("start", "text", "expected"),
    [
        ("number", "tel:+441234567890", NumberTarget("+441234567890")),
        (
            "number",
            "tel:1555?Account=42&x-ref=a%20b&empty=",
            NumberTarget("1555", (("X-Account", "42"), ("x-ref", "a b"), ("X-empty", ""))),
        ),
        (
            "sip",
            "SIPS:erin@example.com:5061;transport=tls;lr?Priority=urgent",
            SipTarget(
                "sips",
                "erin",
                "example.com",
                5061,
                (("transport", "tls"), ("lr", None)),
                (("X-Priority", "urgent"),),
            ),
        ),
        (
            "target",
            "sip:dave@[2001:db8::1]?X-Custom=1&Other=two",
            SipTarget(
                "sip", "dave", "[2001:db8::1]", None, (), (("X-Custom", "1"), ("X-Other", "two"))
            ),
        ),
    ],
)
def test_fast_path_results_for_tel_headers_and_ipv6(
    start: str, text: str, expected: Target
) -> None:
    fast = _fast_parse(start, text)
    assert fast == expected
    assert fast is not None
    assert_plain(fast)


@pytest.mark.parametrize(
    ("start", "text"),
    [
        ("sip", "sip:dave@[2001:db8::g]"),  # not hex: the address is checked by Lark's path
        ("sip", "sip:dave@[1:2:3:4:5:6:7:8:9]"),  # too many groups
        ("number", "+15551234567?"),  # no header after '?'
        ("number", "+15551234567?a"),  # no '=' after the header name
        ("number", "+15551234567?a=%2"),  # a broken escape
        ("number", "+15551234567?a=b&"),  # nothing after '&'
        ("number", "tel:1234567890123456"),  # 16 digits
    ],
)
def test_fast_path_leaves_invalid_tel_headers_and_ipv6_to_lark(start: str, text: str) -> None:
    assert _fast_parse(start, text) is None
    with pytest.raises(TargetError):
        _lark_parse(start, text)


def test_parser_is_built_once() -> None:
    assert _parser() is _parser()


# ---- the fast path and the Lark path agree on every input ----------------------------------

LARK_STARTS = {
    "target": parse_target,
    "number": parse_number,
    "client_text": parse_client,
    "sip": parse_sip,
}


def _outcome(parse: Callable[[str], Target], text: str) -> object:
    try:
        result = parse(text)
    except TargetError as error:
        return ("error", error.message, error.col)
    assert_plain(result)
    return result


_SIP_USER = "abcXYZ0189_.!~*'()+%-"
_HOST_CHARS = "abcXYZ0189_.-"
_PARAM_CHARS = "abcXYZ019_.!~*'()%:+-"
_HEADER_CHARS = "abcXYZ019-"
_VALUE_CHARS = "abcXYZ019_.!~*'()[]/?:+$-% &=#"

# Lengths drawn uniformly so that the 15/16-digit boundary is hit often.
numbers = st.builds(
    lambda *parts: "".join(parts),
    st.sampled_from(["", "", "tel:", "TEL:", "+", "+", "tel:+"]),
    st.integers(min_value=0, max_value=17).flatmap(
        lambda n: st.text(alphabet="0123456789", min_size=n, max_size=n)
    ),
)
clients = st.builds(
    str.__add__,
    st.sampled_from(["", "client:", "CLIENT:", "Client:", "clıent:"]),
    st.one_of(
        st.text(alphabet="abzAZ09_.-", max_size=12),
        st.integers(min_value=250, max_value=260).map(lambda n: "c" * n),
    ),
)
ports = st.one_of(
    st.just(""),
    st.integers(min_value=0, max_value=70000).map(lambda n: f":{n}"),
    st.integers(min_value=0, max_value=999).map(lambda n: f":0{n}"),
    st.just(":"),
)
hosts = st.one_of(
    st.text(alphabet=_HOST_CHARS, max_size=14),
    st.lists(st.integers(min_value=0, max_value=300), min_size=1, max_size=5).map(
        lambda parts: ".".join(map(str, parts))
    ),
    st.from_regex(r"[a-z0-9][a-z0-9-]{0,4}(\.[a-z][a-z0-9-]{0,4}){0,3}\.?", fullmatch=True),
    st.from_regex(r"\[[0-9a-fA-F:.]{0,20}\]?", fullmatch=True),
    st.ip_addresses(v=4).map(str),
    st.ip_addresses(v=6).map(lambda ip: f"[{ip}]"),
)
params = st.lists(
    st.builds(
        lambda name, value: f";{name}" if value is None else f";{name}={value}",
        st.text(alphabet=_PARAM_CHARS, max_size=6),
        st.none() | st.text(alphabet=_PARAM_CHARS, max_size=6),
    ),
    max_size=3,
).map("".join)
# Header values: loose text, and valid ones with percent escapes (good and broken) mixed in.
escapes = st.sampled_from(["%20", "%2F", "%7e", "%C3%A9", "%2", "%zz", "%"])
valid_value_parts = st.one_of(st.text(alphabet="abXY09_.!~*'()[]/?:+$-", max_size=3), escapes)
header_values = st.one_of(
    st.text(alphabet=_VALUE_CHARS, max_size=8),
    st.lists(valid_value_parts, max_size=4).map("".join),
)
headers = st.one_of(
    st.just(""),
    st.lists(
        st.builds(
            "{}={}".format,
            st.sampled_from(["", "x-", "X-"]).flatmap(
                lambda prefix: st.text(alphabet=_HEADER_CHARS, max_size=6).map(prefix.__add__)
            ),
            header_values,
        ),
        max_size=3,
    ).map(lambda hs: "?" + "&".join(hs)),
)
sips = st.builds(
    lambda *parts: "".join(parts),
    st.sampled_from(["sip:", "sips:", "SIP:", "Sips:", "", "ſip:", "tel:"]),
    st.text(alphabet=_SIP_USER, max_size=8),
    st.sampled_from(["@", "", "@@"]),
    hosts,
    ports,
    params,
    headers,
)
number_with_headers = st.builds(str.__add__, numbers, headers)
# Mostly well-formed SIP URIs with bracketed IPv6 hosts, which `sips` rarely reaches.
ipv6_sips = st.builds(
    lambda *parts: "".join(parts),
    st.sampled_from(["sip:", "sips:", "SIP:"]),
    st.text(alphabet=_SIP_USER, min_size=1, max_size=6),
    st.just("@"),
    st.one_of(
        st.ip_addresses(v=6).map(lambda ip: f"[{ip}]"),
        st.from_regex(r"\[[0-9a-fA-F:.]{1,12}\]", fullmatch=True),
    ),
    ports,
    params,
    headers,
)
noise = st.text(alphabet="+0123456789:@;=?&%[]-._ abcsipSIPtelclientCLIENT!~*'()/#\n", max_size=30)


@settings(max_examples=1500, deadline=None)
@given(
    st.one_of(numbers, number_with_headers, clients, sips, ipv6_sips, noise, st.text(max_size=30))
)
@example("+15551234567")
@example("client:alice")
@example("sip:bob@example.com:5080;transport=tcp")
@example("sip:bob@example.com:99999")
@example("Client:")
@example("ſip:bob@example.com")
@example("tel:+441234567890")
@example("+15551234567?X-Account=42&X-Source=web")
@example("sips:erin@example.com:5061;transport=tls?Priority=urgent")
@example("sip:dave@[2001:db8::1]?X-Custom=1&Other=two")
@example("sip:dave@[2001:db8::1:]")
@example("TEL:5551234?a=%C3%A9&b=")
def test_fast_path_agrees_with_lark(text: str) -> None:
    for start, parse in LARK_STARTS.items():
        lark = _outcome(functools.partial(_lark_parse, start), text)
        fast = _fast_parse(start, text)
        if fast is not None:
            assert fast == lark, (start, text)
            assert_plain(fast)
        assert _outcome(parse, text) == lark, (start, text)


# ---- grammar files ---------------------------------------------------------------------------


def test_grammar_text_reads_checkout_file() -> None:
    assert grammar_text("targets.lark") == (REPO / "grammar" / "targets.lark").read_text(
        encoding="utf-8"
    )


def test_grammar_text_prefers_packaged_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "grammar").mkdir()
    (tmp_path / "grammar" / "targets.lark").write_text("packaged", encoding="utf-8")
    fake = SimpleNamespace(files=lambda package: tmp_path)
    monkeypatch.setattr(grammar_files, "resources", fake)
    assert grammar_text("targets.lark") == "packaged"


@pytest.mark.parametrize("name", ["", "../targets.lark", "grammar/targets.lark", ".."])
def test_grammar_text_rejects_paths(name: str) -> None:
    with pytest.raises(ValueError, match="plain file name"):
        grammar_text(name)


def test_grammar_text_missing_file() -> None:
    with pytest.raises(FileNotFoundError, match="no-such.lark"):
        grammar_text("no-such.lark")
