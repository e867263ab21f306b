"""Attribute value types: how a raw attribute string is checked, converted and written back."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

_WS = re.compile(r"\s")


class ValueProblem(ValueError):
    """A raw value does not fit its type; the message says what was expected."""


def _quote(raw: str) -> str:
    return "'" + raw + "'"


@dataclass(frozen=True, slots=True)
class ValueType:
    """Base of the value types; `parse` converts a stripped raw string, `format` writes it back."""

    def parse(self, raw: str) -> object:
        raise NotImplementedError

    def format(self, value: object) -> str:
        return str(value)

    def expected(self) -> str:
        raise NotImplementedError

    def fail(self, raw: str) -> ValueProblem:
        return ValueProblem(f"expected {self.expected()}, got {_quote(raw)}")


@dataclass(frozen=True, slots=True)
class Text(ValueType):
    """Any text, optionally bounded in length."""

    min_len: int = 0
    max_len: int | None = None

    def parse(self, raw: str) -> str:
        if len(raw) < self.min_len or (self.max_len is not None and len(raw) > self.max_len):
            raise self.fail(raw)
        return raw

    def expected(self) -> str:
        if self.max_len is None:
            if self.min_len > 1:
                return f"at least {self.min_len} characters"
            return "a non-empty text" if self.min_len else "text"
        if self.min_len == 0:
            return f"text of at most {self.max_len} characters"
        return f"text of {self.min_len} to {self.max_len} characters"


# URLs that urlsplit would accept, recognised without it (it is slow): an http(s) URL with a plain
# ASCII host, or a reference that cannot be read as having a scheme or a host (its first segment
# has no ':' and it does not start with '//'). Anything else takes the slow path.
_PLAIN_URL = re.compile(
    r"(?:[Hh][Tt][Tt][Pp][Ss]?://[A-Za-z0-9._~%!$&'()*+,;=:-]+|[^\s:/?#]+)(?:[/?#]\S*)?"
    r"|(?!//)[/?#]\S*"
)


@dataclass(frozen=True, slots=True)
class Url(ValueType):
    """An absolute http(s) URL or a relative reference, without whitespace."""

    def parse(self, raw: str) -> str:
        if _PLAIN_URL.fullmatch(raw):
            return raw
        if not raw or _WS.search(raw):
            raise self.fail(raw)
        try:
            parts = urlsplit(raw)
        except ValueError as exc:
            raise self.fail(raw) from exc
        if parts.scheme and (parts.scheme.lower() not in ("http", "https") or not parts.netloc):
            raise self.fail(raw)
        return raw

    def expected(self) -> str:
        return "an http(s) URL or a relative URL without spaces"


@dataclass(frozen=True, slots=True)
class Method(ValueType):
    """GET or POST, any case; written upper case."""

    def parse(self, raw: str) -> str:
        upper = raw.upper()
        if upper not in ("GET", "POST"):
            raise self.fail(raw)
        return upper

    def expected(self) -> str:
        return "GET or POST"


@dataclass(frozen=True, slots=True)
class Bool(ValueType):
    """true or false, any case."""

    def parse(self, raw: str) -> bool:
        lower = raw.lower()
        if lower == "true":
            return True
        if lower == "false":
            return False
        raise self.fail(raw)

    def format(self, value: object) -> str:
        return "true" if value else "false"

    def expected(self) -> str:
        return "true or false"


_FEW_DIGITS = re.compile(r"[0-9]{1,18}")


def _int_within(raw: str, low: int, high: int) -> int | None:
    """The value of ASCII decimal digits if it is within [low, high], else None."""
    if _FEW_DIGITS.fullmatch(raw) is not None:
        value = int(raw)  # nearly every value: a few digits
    else:
        if not raw.isdigit() or not raw.isascii():
            return None
        # Compare lengths first: int() of thousands of digits is slow, and refused past 4300.
        digits = raw.lstrip("0") or "0"
        if len(digits) > 20:
            return None
        value = int(digits)
    return value if low <= value <= high else None


@dataclass(frozen=True, slots=True)
class Int(ValueType):
    """Decimal digits within [low, high]."""

    low: int
    high: int

    def parse(self, raw: str) -> int:
        value = _int_within(raw, self.low, self.high)
        if value is None:
            raise self.fail(raw)
        return value

    def expected(self) -> str:
        return f"an integer from {self.low} to {self.high}"


@dataclass(frozen=True, slots=True)
class IntOrWord(ValueType):
    """An integer within [low, high] or one fixed word (speechTimeout="auto")."""

    low: int
    high: int
    word: str

    def parse(self, raw: str) -> int | str:
        if raw.lower() == self.word:
            return self.word
        value = _int_within(raw, self.low, self.high)
        if value is None:
            raise self.fail(raw)
        return value

    def expected(self) -> str:
        return f"an integer from {self.low} to {self.high} or '{self.word}'"


_KEYS = frozenset("0123456789*#")


@dataclass(frozen=True, slots=True)
class Keys(ValueType):
    """A set of phone keys from 0-9, * and #; `also` lists whole values accepted as well (-1)."""

    min_len: int = 0
    max_len: int = 12
    also: tuple[str, ...] = ()

    def parse(self, raw: str) -> str:
        if raw in self.also:
            return raw
        if not self.min_len <= len(raw) <= self.max_len or not set(raw) <= _KEYS:
            raise self.fail(raw)
        return raw

    def expected(self) -> str:
        extra = "".join(f" or '{word}'" for word in self.also)
        return f"{self.min_len} to {self.max_len} keys from 0-9, * and #{extra}"


@dataclass(frozen=True, slots=True)
class Enum(ValueType):
    """One of a fixed list of words, any case; written in the listed spelling."""

    choices: tuple[str, ...]
    # Lower-cased spelling -> the listed one; the first choice wins should two fold alike.
    _by_lower: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_lower: dict[str, str] = {}
        for choice in self.choices:
            by_lower.setdefault(choice.lower(), choice)
        object.__setattr__(self, "_by_lower", by_lower)

    def parse(self, raw: str) -> str:
        choice = self._by_lower.get(raw.lower())
        if choice is None:
            raise self.fail(raw)
        return choice

    def expected(self) -> str:
        return "one of " + ", ".join(self.choices)


_WORD_SEPARATORS = re.compile(r"[\s,]+")


@dataclass(frozen=True, slots=True)
class WordSet(ValueType):
    """Words separated by spaces and/or commas, any order; written in `order`, space separated.

    Serves Gather `input` ("dtmf speech") and status-callback `events`.
    """

    order: tuple[str, ...]
    default: tuple[str, ...] = ()

    def parse(self, raw: str) -> tuple[str, ...]:
        lower = raw.lower()
        if lower in self.order:
            return (lower,)  # one word: no separator can be in it, as none is in `order`
        words = [word.lower() for word in _WORD_SEPARATORS.split(raw) if word]
        if not words:
            if self.default:
                return self.default
            raise self.fail(raw)
        unknown = [word for word in words if word not in self.order]
        if unknown:
            raise self.fail(raw)
        return tuple(word for word in self.order if word in words)

    def format(self, value: object) -> str:
        assert isinstance(value, tuple)
        return " ".join(value)

    def expected(self) -> str:
        return "words from " + ", ".join(self.order) + " separated by spaces or commas"


@dataclass(frozen=True, slots=True)
class Pattern(ValueType):
    """A value matching a regular expression; `description` says it in words."""

    regex: str
    description: str
    # Compiled once: re.fullmatch(str, ...) would look the pattern up in re's cache every time.
    _fullmatch: Callable[[str], re.Match[str] | None] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_fullmatch", re.compile(self.regex).fullmatch)

    def parse(self, raw: str) -> str:
        if not self._fullmatch(raw):
            raise self.fail(raw)
        return raw

    def expected(self) -> str:
        return self.description


_PROVIDER_VOICE = re.compile(r"Polly\.[A-Za-z0-9]+(-[A-Za-z0-9]+)?|Google\.[A-Za-z0-9_.-]+")


@dataclass(frozen=True, slots=True)
class Voice(ValueType):
    """man, woman, alice (any case), or a provider voice Polly.NAME[-ENGINE] / Google.NAME."""

    def parse(self, raw: str) -> str:
        lower = raw.lower()
        if lower in ("man", "woman", "alice"):
            return lower
        if _PROVIDER_VOICE.fullmatch(raw):
            return raw
        raise self.fail(raw)

    def expected(self) -> str:
        return "man, woman, alice, Polly.NAME[-ENGINE] or Google.NAME"


@dataclass(frozen=True, slots=True)
class Emails(ValueType):
    """Comma-separated e-mail addresses; `single` allows exactly one."""

    single: bool = False

    def parse(self, raw: str) -> str:
        parts = [part.strip() for part in raw.split(",")]
        if self.single and len(parts) != 1:
            raise self.fail(raw)
        if not all(_EMAIL.fullmatch(part) for part in parts):
            raise self.fail(raw)
        return raw

    def expected(self) -> str:
        if self.single:
            return "one e-mail address local@domain"
        return "comma-separated e-mail addresses local@domain"


_EMAIL = re.compile(r"[^\s@,]+@[^\s@,]+")

LANG = Pattern(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*", "a language tag such as en, en-GB or pt-BR")
CALLER_ID = Pattern(
    r"\+?[0-9]{1,15}|client:[A-Za-z0-9_.-]{1,256}|sips?:\S+|[A-Za-z0-9_.-]{1,64}",
    "a phone number, client:NAME, a sip: URI or a name of letters, digits, '_', '.' or '-'",
)
ADDRESS = Pattern(
    r"\+?[0-9]{1,15}|client:[A-Za-z0-9_.-]{1,256}|[A-Za-z0-9_.-]{1,64}",
    "a phone number, client:NAME or a name of letters, digits, '_', '.' or '-'",
)
TONES = Pattern(r"[0-9*#wW]+", "keys from 0-9, *, #, w and W")
EVENTS = WordSet(order=("initiated", "ringing", "answered", "completed"), default=("completed",))
TEXT = Text()
URL = Url()
METHOD = Method()
BOOL = Bool()
