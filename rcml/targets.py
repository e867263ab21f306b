"""Dial targets: parse, check and normalise phone numbers, client:NAME and sip:/sips: URIs."""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import TypeAlias
from urllib.parse import unquote

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from rcml.grammar_files import grammar_text

MAX_DIGITS = 15
MAX_CLIENT_NAME = 256
MAX_PORT = 65535

Headers: TypeAlias = tuple[tuple[str, str], ...]
Params: TypeAlias = tuple[tuple[str, str | None], ...]


class TargetError(ValueError):
    """A dial target is invalid; `.message` says why, `.col` is the 1-based column or None."""

    def __init__(self, message: str, col: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.col = col


@dataclass(frozen=True, slots=True)
class NumberTarget:
    """A phone number: an optional '+' and 1 to 15 digits, stored without any tel: scheme."""

    number: str
    headers: Headers = ()

    @property
    def address(self) -> str:
        return self.number


@dataclass(frozen=True, slots=True)
class ClientTarget:
    """A client:NAME target; `name` is stored without the scheme."""

    name: str

    @property
    def address(self) -> str:
        return "client:" + self.name


@dataclass(frozen=True, slots=True)
class SipTarget:
    """A sip:/sips: URI; `scheme` is lower case, an IPv6 `host` keeps its brackets."""

    scheme: str
    user: str
    host: str
    port: int | None = None
    params: Params = ()
    headers: Headers = ()

    @property
    def address(self) -> str:
        parts = [self.scheme, ":", self.user, "@", self.host]
        if self.port is not None:
            parts += [":", str(self.port)]
        for name, value in self.params:
            parts += [";", name] if value is None else [";", name, "=", value]
        return "".join(parts)


Target: TypeAlias = NumberTarget | ClientTarget | SipTarget

# RFC 3261 hostname: the top label starts with a letter, which is what tells "10.0.0.256"
# (a bad IPv4 address) apart from a host name.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_TOPLABEL = r"[A-Za-z](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_HOSTNAME_RE = rf"(?:{_LABEL}\.)*{_TOPLABEL}\.?"
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4_RE = rf"{_OCTET}(?:\.{_OCTET}){{3}}"
_USER_RE = r"[A-Za-z0-9_.!~*'()+%-]+"
_PARAM_RE = r"[A-Za-z0-9_.!~*'()%:+-]+"

# re.ASCII everywhere (and g_regex_flags in the Lark build): with Unicode case folding "ſip:"
# and "clıent:" would match the case-insensitive schemes.
_HOSTNAME = re.compile(_HOSTNAME_RE, re.ASCII)
_IPV4 = re.compile(_IPV4_RE, re.ASCII)
_DOTTED_DIGITS = re.compile(r"[0-9]+(?:\.[0-9]+)+", re.ASCII)

# Fast paths for the forms nearly every document uses. Each must only accept input that the Lark
# path accepts with the same result (tests/test_targets.py checks this with hypothesis); anything
# else, and every error, goes through Lark.
_HEADER_RE = r"[A-Za-z0-9-]+=(?:[A-Za-z0-9_.!~*'()\[\]/?:+$-]|%[0-9A-Fa-f]{2})*"
_HEADERS_RE = rf"\?{_HEADER_RE}(?:&{_HEADER_RE})*"
# A number as it is stored: nothing to take apart.
_FAST_NUMBER = re.compile(rf"\+?[0-9]{{1,{MAX_DIGITS}}}", re.ASCII)
_FAST_TEL = re.compile(rf"(?i:tel:)?(\+?[0-9]{{1,{MAX_DIGITS}}})({_HEADERS_RE})?", re.ASCII)
_FAST_CLIENT = re.compile(rf"(?i:client:)([A-Za-z0-9_.-]{{1,{MAX_CLIENT_NAME}}})", re.ASCII)
_FAST_CLIENT_TEXT = re.compile(
    rf"(?:(?i:client:))?([A-Za-z0-9_.-]{{1,{MAX_CLIENT_NAME}}})", re.ASCII
)
_FAST_SIP = re.compile(
    rf"(?i:(sips?)):({_USER_RE})@({_IPV4_RE}|{_HOSTNAME_RE}|\[([0-9A-Fa-f:.]+)\])"
    rf"(?::([1-9][0-9]{{0,4}}))?((?:;{_PARAM_RE}(?:={_PARAM_RE})?)*)({_HEADERS_RE})?",
    re.ASCII,
)

_STARTS = ("target", "number", "client_text", "sip")
_NOUNS = {
    "number": "phone number",
    "client": "client name",
    "sip": "SIP URI",
    "target": "dial target",
}
_NUMBER_SHAPE = "expected a phone number: digits with an optional leading '+', 1 to 15 digits"
_NAME_SHAPE = "expected a name of letters, digits, '_', '.' or '-'"
_EXPECTED = {
    "start": "expected a phone number, 'client:NAME' or a 'sip:'/'sips:' URI",
    "client_name": _NAME_SHAPE,
    "sip_scheme": "a SIP URI must start with 'sip:' or 'sips:'",
    "digits": _NUMBER_SHAPE,
    "after_digits": "expected only digits, optionally followed by '?' and headers",
    "user": "expected a user name of letters, digits or any of _.!~*'()+%- before '@'",
    "at": "expected '@' and a host after the user",
    "host": "expected a host name, IPv4 address or '[IPv6 address]' after '@'",
    "ipv6": "expected an IPv6 address after '['",
    "rsqb": "expected ']' to close the IPv6 address",
    "after_host": "expected ':port', ';parameters' or '?headers' after the host",
    "port": f"expected a port number from 1 to {MAX_PORT} after ':'",
    "after_params": "expected ';parameters' or '?headers'",
    "param_name": "expected a parameter name of letters, digits or any of _.!~*'()%:+-",
    "param_value": "expected a parameter value of letters, digits or any of _.!~*'()%:+- after '='",
    "after_param_name": "expected '=value', ';parameters' or '?headers' after the parameter name",
    "header_name": "expected a header name of letters, digits or '-'",
    "header_eq": "expected '=' and a value after the header name",
    "header_value": "header values must be percent-encoded and headers separated by '&'",
    "end": "a client name may only contain letters, digits, '_', '.' or '-'",
}
_NUMBER_STATES = frozenset({"start", "digits", "after_digits"})
_NUMBER_CHARS = {
    "-": "dashes are not allowed in numbers",
    ".": "dots are not allowed in numbers",
    "(": "parentheses are not allowed in numbers",
    ")": "parentheses are not allowed in numbers",
}


def parse_target(text: str) -> Target:
    """Any of the three forms, schemes required for client: and SIP; TargetError if invalid."""
    return _fast_parse("target", text) or _lark_parse("target", text)


def parse_number(text: str) -> NumberTarget:
    """A phone number with optional tel: scheme and ?headers; TargetError otherwise."""
    fast = _fast_number(text)
    if fast is not None:
        return fast
    return _build_number(text, _parse_tree("number", text))


def parse_client(text: str) -> ClientTarget:
    """`<Client>` text: "alice" or "client:alice"; TargetError otherwise."""
    fast = _FAST_CLIENT_TEXT.fullmatch(text)
    if fast is not None:
        return ClientTarget(fast[1])
    return _build_client(text, _parse_tree("client_text", text))


def parse_sip(text: str) -> SipTarget:
    """A sip:/sips: URI (the scheme is required); TargetError otherwise."""
    fast = _fast_sip(text)
    if fast is not None:
        return fast
    return _build_sip(text, _parse_tree("sip", text))


def normalize(kind: str, text: str) -> str:
    """The canonical stored text of a valid target of `kind` ("number", "client" or "sip").

    Scheme lower-cased, tel: dropped, client: dropped; the rest (headers included) as written.
    """
    normalizer = NORMALIZERS.get(kind)
    if normalizer is None:
        raise ValueError(f"unknown target kind {kind!r}; expected 'number', 'client' or 'sip'")
    return normalizer(text)


def _normalize_number(text: str) -> str:
    if _FAST_NUMBER.fullmatch(text) is not None:
        return text  # the stored form already: nothing to build
    parse_number(text)
    return text[4:] if text[:4].lower() == "tel:" else text


def _normalize_client(text: str) -> str:
    return parse_client(text).name


def _normalize_sip(text: str) -> str:
    parse_sip(text)
    scheme, rest = text.split(":", 1)
    return scheme.lower() + ":" + rest


# `normalize` by kind, for callers that know the kind once and normalise many texts.
NORMALIZERS: dict[str, Callable[[str], str]] = {
    "number": _normalize_number,
    "client": _normalize_client,
    "sip": _normalize_sip,
}


def shorthand_kind(text: str) -> str:
    """The noun that non-empty `Dial` text stands for: "client", "sip" or "number" (unchecked)."""
    head = text[:7].lower()
    if head.startswith("client:"):
        return "client"
    if head.startswith(("sip:", "sips:")) or "@" in text:
        return "sip"
    return "number"


def _fast_number(text: str) -> NumberTarget | None:
    if _FAST_NUMBER.fullmatch(text) is not None:
        return NumberTarget(text)
    match = _FAST_TEL.fullmatch(text)
    if match is None:
        return None
    return NumberTarget(match[1], _fast_headers(match[2]) if match[2] else ())


def _fast_sip(text: str) -> SipTarget | None:
    match = _FAST_SIP.fullmatch(text)
    if match is None:
        return None
    if match[4] is not None:
        try:
            ipaddress.IPv6Address(match[4])
        except ValueError:
            return None  # Lark reports it
    port = int(match[5]) if match[5] else None
    if port is not None and port > MAX_PORT:
        return None  # Lark reports it
    params: list[tuple[str, str | None]] = []
    if match[6]:
        for param in match[6][1:].split(";"):
            name, eq, value = param.partition("=")
            params.append((name, value if eq else None))
    headers = _fast_headers(match[7]) if match[7] else ()
    return SipTarget(match[1].lower(), match[2], match[3], port, tuple(params), headers)


def _fast_headers(query: str) -> Headers:
    """`?a=1&b=2` as matched by _HEADERS_RE: no '=' or '&' inside a name or a value."""
    pairs = (header.partition("=") for header in query[1:].split("&"))
    return tuple(_header(name, value) for name, _, value in pairs)


def _header(name: str, value: str) -> tuple[str, str]:
    # Custom headers reach the dialed party only with the X- prefix.
    if name[:2].lower() != "x-":
        name = "X-" + name
    return name, unquote(value)


def _fast_parse(start: str, text: str) -> Target | None:
    """The fast-path result for Lark start symbol `start`, or None to defer to Lark."""
    if start in ("target", "number"):
        number = _fast_number(text)
        if number is not None:
            return number
    if start == "target":
        client = _FAST_CLIENT.fullmatch(text)
        if client is not None:
            return ClientTarget(client[1])
    if start == "client_text":
        client = _FAST_CLIENT_TEXT.fullmatch(text)
        if client is not None:
            return ClientTarget(client[1])
    if start in ("target", "sip"):
        return _fast_sip(text)
    return None


def _lark_parse(start: str, text: str) -> Target:
    """Parse with Lark only (no fast path) from start symbol `start`."""
    tree = _parse_tree(start, text)
    if tree.data == "number":
        return _build_number(text, tree)
    if tree.data == "sip":
        return _build_sip(text, tree)
    return _build_client(text, tree)


@functools.cache
def _parser() -> Lark:
    return Lark(
        grammar_text("targets.lark"),
        parser="lalr",
        lexer="contextual",
        start=list(_STARTS),
        g_regex_flags=re.ASCII,
    )


def _parse_tree(start: str, text: str) -> Tree[Token]:
    try:
        return _parser().parse(text, start=start)
    except UnexpectedInput as exc:
        # `from None`: callers must never see (or depend on) Lark's exception types.
        raise _syntax_error(start, text, exc) from None


def _tokens(node: Tree[Token]) -> list[Token]:
    return [child for child in node.children if isinstance(child, Token)]


def _subtrees(node: Tree[Token]) -> list[Tree[Token]]:
    return [child for child in node.children if isinstance(child, Tree)]


def _pos(token: Token) -> int:
    # Lark's .column restarts after a newline; the offset is what a 1-based column means here.
    return token.start_pos or 0


def _quote(text: str) -> str:
    if len(text) > 80:
        text = text[:77] + "..."
    return "'" + text + "'"


def _error(kind: str, text: str, detail: str, pos: int | None) -> TargetError:
    return TargetError(
        f"invalid {_NOUNS[kind]} {_quote(text)}: {detail}", None if pos is None else pos + 1
    )


def _build_number(text: str, node: Tree[Token]) -> NumberTarget:
    plus = ""
    digits = ""
    for token in _tokens(node):
        if token.type == "PLUS":
            plus = "+"
        elif token.type == "DIGITS":
            digits = str(token)
            if len(digits) > MAX_DIGITS:
                detail = f"numbers have at most {MAX_DIGITS} digits, this one has {len(digits)}"
                raise _error("number", text, detail, _pos(token) + MAX_DIGITS)
    headers = _subtrees(node)
    return NumberTarget(plus + digits, _build_headers(headers[0]) if headers else ())


def _build_client(text: str, node: Tree[Token]) -> ClientTarget:
    name = _tokens(node)[-1]
    if len(name) > MAX_CLIENT_NAME:
        detail = f"client names have at most {MAX_CLIENT_NAME} characters, this one has {len(name)}"
        raise _error("client", text, detail, _pos(name) + MAX_CLIENT_NAME)
    return ClientTarget(str(name))


def _build_sip(text: str, node: Tree[Token]) -> SipTarget:
    scheme, user = _tokens(node)
    host = ""
    port: int | None = None
    params: list[tuple[str, str | None]] = []
    headers: Headers = ()
    for part in _subtrees(node):
        if part.data == "host":
            host = _check_host(text, _tokens(part)[0])
        elif part.data == "port":
            port = _check_port(text, _tokens(part)[0])
        elif part.data == "param":
            name, *value = _tokens(part)
            params.append((str(name), str(value[0]) if value else None))
        else:
            headers = _build_headers(part)
    return SipTarget(str(scheme)[:-1].lower(), str(user), host, port, tuple(params), headers)


def _check_host(text: str, token: Token) -> str:
    host = str(token)
    if token.type == "IPV6":
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            detail = f"'[{host}]' is not a valid IPv6 address"
            raise _error("sip", text, detail, _pos(token) - 1) from None
        return f"[{host}]"
    if _IPV4.fullmatch(host) or _HOSTNAME.fullmatch(host):
        return host
    if _DOTTED_DIGITS.fullmatch(host):
        detail = f"'{host}' is not a valid IPv4 address (four numbers from 0 to 255)"
    else:
        detail = (
            f"'{host}' is not a valid host name (labels of letters, digits and inner '-', "
            "separated by '.', the last one starting with a letter) or IPv4 address"
        )
    raise _error("sip", text, detail, _pos(token))


def _check_port(text: str, token: Token) -> int:
    digits = str(token)
    if len(digits) > 1 and digits[0] == "0":
        raise _error("sip", text, f"port '{digits}' must not have leading zeros", _pos(token))
    port = int(digits)
    if not 1 <= port <= MAX_PORT:
        detail = f"port {digits} is out of range; ports go from 1 to {MAX_PORT}"
        raise _error("sip", text, detail, _pos(token))
    return port


def _build_headers(node: Tree[Token]) -> Headers:
    headers = []
    for header in _subtrees(node):
        name, *value = _tokens(header)
        headers.append(_header(str(name), str(value[0]) if value else ""))
    return tuple(headers)


def _context(start: str, text: str) -> str:
    """Which kind of target `text` was meant to be, to word the error message."""
    if start == "number":
        return "number"
    if start == "client_text":
        return "client"
    if start == "sip":
        return "sip"
    head = text[:7].lower()
    if head.startswith("client:"):
        return "client"
    if head.startswith(("sip:", "sips:")):
        return "sip"
    if head.startswith("tel:") or (text and text.lstrip()[:1] in tuple("+(0123456789")):
        return "number"
    if "@" in text:
        return "sip"
    return "target"


def _state(expected: Collection[str], text: str, pos: int) -> str:
    """Name the parser state from the terminals it accepts (each state's set is distinct)."""
    names = set(expected)
    if "CLIENT_SCHEME" in names and "SIP_SCHEME" in names:
        return "start"
    if "CLIENT_NAME" in names:
        return "client_name"
    if "SIP_SCHEME" in names:
        return "sip_scheme"
    if "DIGITS" in names:
        return "digits"
    for terminal, state in (
        ("USER", "user"),
        ("_AT", "at"),
        ("HOST", "host"),
        ("IPV6", "ipv6"),
        ("_RSQB", "rsqb"),
        ("_COLON", "after_host"),
        ("PORT", "port"),
    ):
        if terminal in names:
            return state
    if "_EQ" in names and "_SEMI" in names:
        return "after_param_name"
    if "PARAM" in names:
        # Name and value share the state; the character before the error tells them apart.
        return "param_value" if pos > 0 and text[pos - 1] == "=" else "param_name"
    if "HEADER_NAME" in names:
        return "header_name"
    if "_EQ" in names:
        return "header_eq"
    if "HEADER_VALUE" in names or "_AMP" in names:
        return "header_value"
    if "_SEMI" in names:
        return "after_params"
    if "_QMARK" in names:
        return "after_digits"
    return "end"


def _syntax_error(start: str, text: str, exc: UnexpectedInput) -> TargetError:
    expected: Collection[str]
    if isinstance(exc, UnexpectedToken):
        expected = exc.expected
        pos = len(text) if exc.token.type == "$END" else _pos(exc.token)
    elif isinstance(exc, UnexpectedCharacters):
        expected = exc.allowed
        # Lark declares pos_in_stream as None on the base class, hiding its int type here.
        pos = int(getattr(exc, "pos_in_stream", 0) or 0)
    else:  # UnexpectedEOF: only raised by Earley, kept for safety
        expected, pos = (), len(text)
    kind = _context(start, text)
    state = _state(expected, text, pos)
    char = text[pos] if pos < len(text) else None
    detail = _EXPECTED[state]
    if state == "start":
        if kind == "number":
            detail = _NUMBER_SHAPE
        elif kind == "sip":
            detail = _EXPECTED["sip_scheme"]
    if kind == "number" and state in _NUMBER_STATES and char is not None:
        if char.isspace():
            return _error(kind, text, "spaces are not allowed in numbers", pos)
        if char in _NUMBER_CHARS:
            return _error(kind, text, _NUMBER_CHARS[char], pos)
    if state == "end" and char == "?":
        return _error(kind, text, "client: addresses take no ?headers", pos)
    if state == "header_value" and char == "%":
        detail = "a '%' in a header value must start an escape of two hex digits such as %20"
    if char is not None and pos > 0:
        detail = f"unexpected {char!r} at column {pos + 1}; {detail}"
    return _error(kind, text, detail, pos)
