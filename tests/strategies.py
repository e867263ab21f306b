"""Hypothesis strategies for random valid RCML documents, built from the naming table.

Every value is drawn in canonical form, i.e. exactly what a reader produces for it, so that
`parse_xml(to_xml(doc)) == doc` must hold for every drawn document (and the same for any other
syntax whose reader follows the spec):

- attribute values per value type (`values(vtype)`): methods upper case, enums in the table's
  spelling, word sets as tuples in the type's order, integers in range, texts stripped;
- element texts per text rule (`texts(rule)`): Say text with whitespace collapsed, URLs without
  whitespace, numbers like +15551234567 (sometimes with ?headers), client names without `client:`,
  SIP URIs with a lower-case scheme, names and bodies stripped and within their lengths;
- SSML content of `<Say>` normalised as rcml/validate.py does (`_collapse`/`_squeeze`/`_trim_ends`);
- structure per spec §1.4: Dial with 1..10 dialable nouns or exactly one Conference or Queue, Play
  with a URL or `digits`, Client with a name and optional Video and Parameters.

Entry points: `documents()` (a `Response`), `verbs()`, `nodes(tag)` for every tag of
`rcml.names.ELEMENTS`, `attributes(spec)`, `values(vtype)`, `texts(rule)`, `ssml_content()`.
Which attributes and children exist comes from the table; only the structure rules above and the
shapes of values are written here. Texts never hold characters XML 1.0 cannot carry (controls other
than tab/newline/CR, surrogates, U+FFFE/U+FFFF), and do hold markup characters, line breaks and
the whitespace Python strips beyond XML's (U+0085, U+00A0, ...) inside texts.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from rcml import nodes as n
from rcml import values as v
from rcml.names import ELEMENTS, ElementSpec

SearchStrategy = st.SearchStrategy

# --- characters and texts -----------------------------------------------------------------------

# Whitespace, as the readers strip it around values and texts and collapse it in <Say> (spec §1.1
# rules 7-8), is Python's: str.strip() and str.split(). Among XML characters that is XML's four,
# the Unicode separators (Z*) and NEL.

# Every character XML can carry: Cc, Cs and Cn hold those it cannot (controls, surrogates,
# U+FFFE/U+FFFF); the controls it can carry are added back, NEL because it is whitespace.
XML_CHARS: SearchStrategy[str] = st.characters(
    codec="utf-8", exclude_categories=("Cc", "Cs", "Cn"), include_characters="\t\n\r\x7f\x85"
)
# Characters of words: no whitespace at all (what a URL or a word of <Say> may hold).
NON_SPACE_CHARS: SearchStrategy[str] = st.characters(
    codec="utf-8",
    exclude_categories=("Cc", "Cs", "Cn", "Zs", "Zl", "Zp"),
    include_characters="\x7f",
)
# Markup characters, line breaks and Unicode spaces, drawn on purpose: uniform drawing rarely
# meets them.
_MARKUP = "&<>\"'\n\xa0\u3000"

LOWER = "abcdefghijklmnopqrstuvwxyz"
ALNUM = LOWER + LOWER.upper() + "0123456789"


def is_xml_char(char: str) -> bool:
    """Whether XML 1.0 can carry `char` (as itself or as a character reference)."""
    code = ord(char)
    return (
        char in "\t\n\r"
        or 0x20 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    )


def run(alphabet: str, min_size: int = 1, max_size: int = 8) -> SearchStrategy[str]:
    """A run of characters from `alphabet`."""
    return st.text(alphabet, min_size=min_size, max_size=max_size)


def strip(text: str) -> str:
    """`text` without surrounding whitespace, as the readers keep values and texts."""
    return text.strip()


def stripped_text(min_size: int = 0, max_size: int = 30) -> SearchStrategy[str]:
    """Text as a reader keeps it: no surrounding whitespace, length in bounds."""
    chars = st.one_of(XML_CHARS, st.sampled_from(_MARKUP))
    return (
        st.text(chars, max_size=max_size)
        .map(strip)
        .filter(lambda text: min_size <= len(text) <= max_size)
    )


def words(min_size: int = 1, max_size: int = 6) -> SearchStrategy[list[str]]:
    """Words: runs of non-whitespace characters (markup characters included)."""
    word = st.text(st.one_of(NON_SPACE_CHARS, st.sampled_from("&<>\"'")), min_size=1, max_size=8)
    return st.lists(word, min_size=min_size, max_size=max_size)


def say_text() -> SearchStrategy[str]:
    """Say text as the reader collapses it: words joined by single spaces (maybe none)."""
    return words(0, 8).map(" ".join)


# --- attribute values ---------------------------------------------------------------------------


def _accepted_by(vtype: v.ValueType) -> Callable[[str], bool]:
    def accepted(raw: str) -> bool:
        try:
            vtype.parse(raw)
        except v.ValueProblem:
            return False
        return True

    return accepted


def hostnames() -> SearchStrategy[str]:
    """DNS names such as example.com (the last label starts with a letter)."""
    label = st.builds(lambda head, tail: head + tail, run(LOWER + "0123456789", 1, 1),
                      run(LOWER + "0123456789", 0, 6))  # fmt: skip
    top = st.builds(lambda head, tail: head + tail, run(LOWER, 1, 1), run(LOWER, 0, 4))
    return st.builds(lambda labels, last: "".join(p + "." for p in labels) + last,
                     st.lists(label, max_size=2), top)  # fmt: skip


def urls() -> SearchStrategy[str]:
    """Absolute http(s) URLs (any scheme case) and relative references, without whitespace."""
    anything = st.characters(codec="utf-8", exclude_characters="/?#[]",
                             exclude_categories=("Cc", "Cs", "Cn", "Zs", "Zl", "Zp"))  # fmt: skip
    segment = st.one_of(run(ALNUM + "-._~!$&'()*+,;=:@%\"<>é"), st.text(anything, min_size=1))
    path = st.lists(segment, max_size=3).map(lambda parts: "".join("/" + p for p in parts))
    query = st.lists(st.tuples(segment, segment), max_size=3).map(
        lambda pairs: "?" + "&".join(f"{k}={val}" for k, val in pairs) if pairs else ""
    )
    scheme = st.sampled_from(["http://", "https://", "HTTP://", "Https://"])
    absolute = st.builds(lambda s, h, p, q: s + h + p + q, scheme, hostnames(), path, query)
    relative = st.builds(
        lambda lead, p, q: (lead + p.lstrip("/") + q) or "index.xml",
        st.sampled_from(["/", "../", "", "./"]),
        path,
        query,
    )
    # A relative path whose first segment looks like "mailto:x" would have a scheme.
    return st.one_of(absolute, relative).filter(_accepted_by(v.URL))


def _text_values(vtype: v.Text) -> SearchStrategy[str]:
    high = vtype.max_len if vtype.max_len is not None else max(vtype.min_len, 30)
    return stripped_text(vtype.min_len, min(high, 40))


def _keys_values(vtype: v.Keys) -> SearchStrategy[str]:
    keys = run("0123456789*#", vtype.min_len, vtype.max_len)
    return st.one_of(keys, *(st.just(word) for word in vtype.also))


def _word_set_values(vtype: v.WordSet) -> SearchStrategy[tuple[str, ...]]:
    chosen = st.sets(st.sampled_from(vtype.order), min_size=1)
    return chosen.map(lambda picked: tuple(word for word in vtype.order if word in picked))


def _languages() -> SearchStrategy[str]:
    subtag = run(ALNUM, 2, 8).map(lambda tag: "-" + tag)
    return st.builds(lambda head, tail: head + "".join(tail), run(LOWER + LOWER.upper(), 2, 3),
                     st.lists(subtag, max_size=2))  # fmt: skip


def _addresses(with_sip: bool) -> SearchStrategy[str]:
    forms = [numbers(headers=False), client_names().map(lambda name: "client:" + name),
             run(ALNUM + "_.-", 1, 20)]  # fmt: skip
    if with_sip:
        forms.append(sip_uris())
    return st.one_of(*forms)


# The shared patterns of rcml.values, drawn directly (st.from_regex is slow on documents).
_PATTERNS: dict[v.ValueType, Callable[[], SearchStrategy[str]]] = {
    v.LANG: _languages,
    v.CALLER_ID: lambda: _addresses(with_sip=True),
    v.ADDRESS: lambda: _addresses(with_sip=False),
    v.TONES: lambda: run("0123456789*#wW", 1, 10),
}


def _pattern_values(vtype: v.Pattern) -> SearchStrategy[str]:
    known = _PATTERNS.get(vtype)
    drawn = known() if known is not None else st.from_regex(vtype.regex, fullmatch=True)
    # Guards a pattern that changes under us: canonical values must parse as themselves.
    fits = _accepted_by(vtype)
    return drawn.filter(lambda text: fits(text) and text == strip(text)
                        and all(map(is_xml_char, text)))  # fmt: skip


def _voices(vtype: v.Voice) -> SearchStrategy[str]:
    polly = st.builds(lambda name, engine: f"Polly.{name}" + (f"-{engine}" if engine else ""),
                      run(ALNUM, 1, 8), run(ALNUM, 0, 6))  # fmt: skip
    google = run(ALNUM + "_.-", 1, 12).map(lambda name: "Google." + name)
    return st.one_of(st.sampled_from(["man", "woman", "alice"]), polly, google)


def _emails(vtype: v.Emails) -> SearchStrategy[str]:
    local = run(ALNUM + "._+-&'\"<>é", 1, 10)
    address = st.builds(lambda name, host: f"{name}@{host}", local, hostnames())
    if vtype.single:
        return address
    separator = st.sampled_from([",", ", ", " ,", ",\n"])
    more = st.lists(st.tuples(separator, address), max_size=2)
    return st.builds(lambda first, rest: first + "".join(s + a for s, a in rest), address, more)


_VALUES: dict[type[v.ValueType], Callable[[Any], SearchStrategy[Any]]] = {
    v.Text: _text_values,
    v.Url: lambda vtype: urls(),
    v.Method: lambda vtype: st.sampled_from(["GET", "POST"]),
    v.Bool: lambda vtype: st.booleans(),
    v.Int: lambda vtype: st.integers(vtype.low, vtype.high),
    v.IntOrWord: lambda vtype: st.one_of(st.integers(vtype.low, vtype.high), st.just(vtype.word)),
    v.Keys: _keys_values,
    v.Enum: lambda vtype: st.sampled_from(vtype.choices),
    v.WordSet: _word_set_values,
    v.Pattern: _pattern_values,
    v.Voice: _voices,
    v.Emails: _emails,
}


@functools.cache
def values(vtype: v.ValueType) -> SearchStrategy[Any]:
    """Canonical values of an attribute value type (what `vtype.parse` returns)."""
    return _VALUES[type(vtype)](vtype)


# --- element texts ------------------------------------------------------------------------------


def _headers() -> SearchStrategy[str]:
    """?name=value&... as the target grammar takes them (values percent-encoded)."""
    escape = run("0123456789ABCDEFabcdef", 2, 2).map(lambda hex_digits: "%" + hex_digits)
    value = st.lists(st.one_of(run(ALNUM + "_.!~*'()[]/?:+$-", 1, 3), escape), max_size=3)
    header = st.builds(lambda name, parts: f"{name}={''.join(parts)}", run(ALNUM + "-"), value)
    return st.lists(header, min_size=1, max_size=3).map(lambda hs: "?" + "&".join(hs))


def numbers(headers: bool = True) -> SearchStrategy[str]:
    """Phone numbers as stored: optional '+', 1 to 15 digits, sometimes ?headers."""
    number = st.builds(lambda plus, digits: plus + digits, st.sampled_from(["", "+"]),
                       run("0123456789", 1, 15))  # fmt: skip
    if not headers:
        return number
    return st.builds(lambda num, tail: num + tail, number, st.one_of(st.just(""), _headers()))


def client_names() -> SearchStrategy[str]:
    """Client names as stored (without client:)."""
    return run(ALNUM + "_.-", 1, 20)


def _sip_uri(scheme: str, user: str, host: str, port: str, params: list[str], tail: str) -> str:
    return f"{scheme}:{user}@{host}{port}{''.join(params)}{tail}"


def sip_uris() -> SearchStrategy[str]:
    """sip:/sips: URIs as stored (scheme lower case): user@host[:port][;params][?headers]."""
    ipv4 = st.lists(st.integers(0, 255), min_size=4, max_size=4).map(
        lambda parts: ".".join(map(str, parts))
    )
    ipv6 = st.sampled_from(["[::1]", "[2001:db8::7]", "[fe80::1:2]"])
    port = st.one_of(st.just(""), st.integers(1, 65535).map(lambda p: f":{p}"))
    token = run(ALNUM + "_.!~*'()%:+-")
    param = st.builds(lambda k, val: f";{k}" + (f"={val}" if val else ""),
                      token, st.one_of(st.just(""), token))  # fmt: skip
    return st.builds(
        _sip_uri,
        st.sampled_from(["sip", "sips"]),
        run(ALNUM + "_.!~*'()+%-", 1, 10),
        st.one_of(hostnames(), ipv4, ipv6),
        port,
        st.lists(param, max_size=2),
        st.one_of(st.just(""), _headers()),
    )  # fmt: skip


def bodies(min_size: int, max_size: int) -> SearchStrategy[str]:
    """Message bodies: stripped, internal whitespace and line breaks kept."""
    lines = st.lists(stripped_text(0, 60), min_size=1, max_size=4).map("\n".join).map(strip)
    return st.one_of(lines, stripped_text(0, 80)).filter(lambda b: min_size <= len(b) <= max_size)


def _named(rule: n.TextRule) -> SearchStrategy[str]:
    if isinstance(rule.check, v.Text):
        return _text_values(rule.check)
    return stripped_text(1 if rule.required else 0)


def _body(rule: n.TextRule) -> SearchStrategy[str]:
    if isinstance(rule.check, v.Text):
        return bodies(rule.check.min_len, rule.check.max_len or 1600)
    return bodies(1 if rule.required else 0, 1600)


_TEXTS: dict[str, Callable[[n.TextRule], SearchStrategy[str]]] = {
    "say": lambda rule: say_text(),
    "url": lambda rule: urls(),
    "number": lambda rule: numbers(),
    "client": lambda rule: client_names(),
    "sip": lambda rule: sip_uris(),
    "name": _named,
    "body": _body,
}


@functools.cache
def texts(rule: n.TextRule) -> SearchStrategy[str]:
    """Canonical element text for a text rule; may be empty when the rule does not require it."""
    drawn = _TEXTS[rule.kind](rule)
    return drawn if rule.required else st.one_of(st.just(""), drawn)


# --- SSML ---------------------------------------------------------------------------------------


@functools.cache
def _squeezed(lead: bool, trail: bool) -> SearchStrategy[str]:
    """A text run as `_squeeze` leaves it: words with at most one space on each side, or " "."""
    spaces = st.tuples(st.booleans() if lead else st.just(False),
                       st.booleans() if trail else st.just(False))  # fmt: skip
    return st.builds(
        lambda text, ends: (" " * ends[0] + text + " " * ends[1]) if text else " ",
        words(0, 4).map(" ".join),
        spaces,
    )


def _ssml_attributes(tag: str) -> SearchStrategy[tuple[tuple[str, str], ...]]:
    """Some of the tag's attributes, in the table's order, with stripped text values."""
    allowed = n.SSML_ATTRIBUTES[tag]
    if not allowed:
        return st.just(())
    chosen = st.fixed_dictionaries({}, optional={name: stripped_text(0, 12) for name in allowed})
    return chosen.map(
        lambda picked: tuple((name, picked[name]) for name in allowed if name in picked)
    )


def _interleave(elements: SearchStrategy[list[n.Ssml]], top: bool
                ) -> SearchStrategy[tuple[str | n.Ssml, ...]]:  # fmt: skip
    """Elements with optional text runs between and around them (never two texts in a row).

    The reader trims the ends of a <Say>'s content (`top`), dropping a run left empty; inside
    SSML elements it only squeezes.
    """

    @st.composite
    def build(draw: Any) -> tuple[str | n.Ssml, ...]:
        items: list[str | n.Ssml] = []
        drawn = draw(elements)
        for gap in range(len(drawn) + 1):
            first, last = gap == 0, gap == len(drawn)
            if draw(st.booleans()):
                text = draw(_squeezed(not (top and first), not (top and last)))
                if not (top and (first or last) and text == " "):
                    items.append(text)
            if not last:
                items.append(drawn[gap])
        return tuple(items)

    return build()


def _ssml_element(depth: int) -> SearchStrategy[n.Ssml]:
    inner = (
        _interleave(st.lists(_ssml_element(depth - 1), max_size=2), top=False)
        if depth > 0
        else st.just(())
    )
    by_tag = [
        st.builds(
            functools.partial(n.Ssml, name=tag), attributes=_ssml_attributes(tag), content=inner
        )
        for tag in n.SSML_ATTRIBUTES
    ]
    return st.one_of(*by_tag)


@functools.cache
def ssml_content(depth: int = 2) -> SearchStrategy[tuple[str | n.Ssml, ...]]:
    """The `ssml` field of a Say: at least one SSML element, text normalised as the reader does."""
    return _interleave(st.lists(_ssml_element(depth), min_size=1, max_size=3), top=True)


# --- nodes --------------------------------------------------------------------------------------


def attributes(spec: ElementSpec) -> SearchStrategy[dict[str, Any]]:
    """Keyword arguments for the attributes of `spec`: required ones always, others sometimes."""
    required = {a.field: values(a.type) for a in spec.attrs.values() if a.required}
    optional = {a.field: values(a.type) for a in spec.attrs.values() if not a.required}
    return st.fixed_dictionaries(required, optional=optional)


def _generic(spec: ElementSpec) -> SearchStrategy[n.Node]:
    """Attributes, text, optional single children (Video) and a few children, from the table."""
    parts: dict[str, SearchStrategy[Any]] = {}
    if spec.text_rule is not None and spec.text_field is not None:
        parts[spec.text_field] = texts(spec.text_rule)
    if spec.children_field is not None:
        kinds = st.one_of(*(nodes(tag) for tag in spec.child_tags))
        most = 6 if spec.cls is n.Response else 3
        parts[spec.children_field] = st.lists(kinds, max_size=most).map(tuple)
    singles = {field: nodes(tag) for tag, field in spec.single_children.items()}
    return st.builds(
        lambda attrs, fixed, extra: spec.cls(**attrs, **fixed, **extra),
        attributes(spec),
        st.fixed_dictionaries(parts),
        st.fixed_dictionaries({}, optional=singles),
    )


def _say(spec: ElementSpec) -> SearchStrategy[n.Say]:
    """Plain text (maybe empty), or SSML content."""
    attrs = attributes(spec)
    plain = st.builds(lambda kwargs, text: n.Say(text=text, **kwargs), attrs, say_text())
    marked = st.builds(lambda kwargs, ssml: n.Say(ssml=ssml, **kwargs), attrs, ssml_content())
    return st.one_of(plain, marked)


def _play(spec: ElementSpec) -> SearchStrategy[n.Play]:
    """A URL, or `digits` with or without a URL (spec §2.15)."""
    maybe_url = st.one_of(st.just(""), urls())
    return attributes(spec).flatmap(
        lambda attrs: (maybe_url if attrs.get("digits") else urls()).map(
            lambda url: n.Play(url=url, **attrs)
        )
    )


def _dial(spec: ElementSpec) -> SearchStrategy[n.Dial]:
    """1..10 numbers, clients and SIP URIs, or exactly one Conference, or exactly one Queue."""
    dialable = st.lists(st.one_of(*(nodes(tag) for tag in n.DIALABLE)), min_size=1, max_size=10)
    alone = st.one_of(nodes("Conference"), nodes("Queue")).map(lambda noun: [noun])
    nouns = st.one_of(dialable, alone).map(tuple)
    return st.builds(lambda attrs, drawn: n.Dial(nouns=drawn, **attrs), attributes(spec), nouns)


_OVERRIDES: dict[type[n.Node], Callable[[ElementSpec], SearchStrategy[Any]]] = {
    n.Say: _say,
    n.Play: _play,
    n.Dial: _dial,
}


@functools.cache
def nodes(tag: str) -> SearchStrategy[Any]:
    """Valid nodes of element `tag` in canonical form (a tag of `rcml.names.ELEMENTS`)."""
    spec = ELEMENTS[tag]
    build = _OVERRIDES.get(spec.cls, _generic)
    return build(spec)


def verbs() -> SearchStrategy[n.Verb]:
    """Any verb that may stand in a <Response>."""
    return st.one_of(*(nodes(tag) for tag in n.RESPONSE_VERBS))


def documents() -> SearchStrategy[n.Response]:
    """Whole valid documents: a Response with up to 6 verbs."""
    return nodes("Response")
