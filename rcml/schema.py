"""The XSD generator: an XML Schema 1.0 of RCML, walked from the naming table `rcml.names.ELEMENTS`.

`to_xsd()` writes one schema document (deterministic, pretty-printed, ASCII, final newline) for
editors and other tools. Only `<Response>` is declared globally, so it is the only valid root; every
other element is declared where it may appear, with a complex type per tag (documented with the
node class's docstring) and a named simple type per attribute value type. Nothing is listed twice:
attributes, defaults, required flags, children and text rules come from the table, SSML from
`rcml.nodes.SSML_ATTRIBUTES`, `<Identity>` from `rcml.names.EXTRA_CHILDREN`.

What the XSD checks:
- element names (case-sensitive), nesting, and that elements are in no namespace;
- attribute names, required attributes (Parameter `name`/`value`, Email `to`/`from`), and the
  value syntax of every typed attribute: methods, booleans and enums in any case (as the reader
  takes them), integers in their ranges (leading zeros allowed), keys, event and input word lists,
  language tags, caller ids, addresses, e-mail lists, voices, URLs (http/https with a host, or
  relative; no whitespace) and text lengths, all with the surrounding whitespace the reader
  strips ("whitespace" is Python's: XML whitespace, the Unicode separators `\\p{Z}` and NEL);
- element text where an element holds only text: the targets of `<Number>`, `<Uri>` and
  `<Identity>` (the grammar of grammar/targets.lark), the URLs of `<Play>`, `<Redirect>` and
  `<Fax>`, the names of `<Queue>`/`<Enqueue>` (1-64 characters), the `<Sms>` body (1-1600
  characters), and no text in elements that take none;
- `<Dial>`'s nouns: 1 to 10 of Number/Client/Sip/Uri, or one Conference, or one Queue; at most one
  `<Video>` in `<Sip>` and `<Conference>`.

What only `rcml check` checks (XSD 1.0 cannot say it, or says it more loosely):
- mixed content: the text of `<Dial>` (the shorthand target), `<Client>`, `<Sip>` and
  `<Conference>` is not typed, so their target syntax, "text or `name`, not both and not neither"
  and "no text beside nouns or a `<Video>`" are left to the validator; an empty `<Dial>` passes;
- `<Client>` takes Video, Identity and Parameter in any order, so the XSD cannot also count "at
  most one Video, at most one Identity";
- `<Play>` needs a URL unless it has `digits` (the XSD allows an empty `<Play>`);
- SSML attribute values (text); `<lang>` accepts any `xml:*` attribute, not only `xml:lang`;
- SIP hosts in brackets are not checked as IPv6 addresses, and URLs that Python's `urlsplit`
  refuses (unbalanced brackets in the host, host characters that change under NFKC) pass;
- the static warnings (99001-99003), and what the hardened parser refuses (DOCTYPE, entities).

One place is stricter than the reader: between the child elements of `<Response>` and `<Gather>`
(element-only content) XSD allows only XML whitespace, where the reader also ignores the other
whitespace characters (U+00A0, U+3000, ...).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rcml import names, targets
from rcml import nodes as n
from rcml import values as v
from rcml.names import ELEMENTS, ElementSpec

XS_NAMESPACE = "http://www.w3.org/2001/XMLSchema"
XML_NAMESPACE = "http://www.w3.org/XML/1998/namespace"

# Whitespace is what Python's str.strip() and str.split() remove (as in rcml/validate.py and the
# regexes of rcml/values.py): among XML characters, XML's four plus the Unicode separators and NEL
# (tests/test_schema.py checks the equivalence over every XML character).
WS_CHARS = "\\s\\p{Z}\x85"
WS = f"[{WS_CHARS}]"
NON_WS = f"[^{WS_CHARS}]"
ANY = "[\\s\\S]"  # XSD's '.' does not match line breaks

# spec §1.4: at most 10 dialable nouns in one <Dial> (rcml/validate.py enforces the same number).
MAX_DIALED_NOUNS = 10
# The words of values.Method and values.Bool (they compare case-insensitively, written as here).
_METHODS = ("GET", "POST")
_BOOLEANS = ("true", "false")
# values.Voice: the fixed voices (any case), then the provider voices as the regex it matches.
_VOICES = ("man", "woman", "alice")
_PROVIDER_VOICE = r"Polly\.[A-Za-z0-9]+(-[A-Za-z0-9]+)?|Google\.[A-Za-z0-9_.\-]+"

# Dial targets, as grammar/targets.lark and rcml/targets.py accept them.
_HEADER = r"[A-Za-z0-9\-]+=([A-Za-z0-9_.!~*'()\[\]/?:+$\-]|%[0-9A-Fa-f]{2})*"
_HEADERS = rf"\?{_HEADER}(&{_HEADER})*"
_LABEL = r"[A-Za-z0-9]([A-Za-z0-9\-]*[A-Za-z0-9])?"
_TOP_LABEL = r"[A-Za-z]([A-Za-z0-9\-]*[A-Za-z0-9])?"
_PARAM = r"[A-Za-z0-9_.!~*'()%:+\-]+"


def _octet() -> str:
    return "(" + int_range_pattern(0, 255) + ")"


def _number_target() -> str:
    return rf"([Tt][Ee][Ll]:)?\+?[0-9]{{1,{targets.MAX_DIGITS}}}({_HEADERS})?"


def _client_target() -> str:
    return rf"([Cc][Ll][Ii][Ee][Nn][Tt]:)?[A-Za-z0-9_.\-]{{1,{targets.MAX_CLIENT_NAME}}}"


def _sip_target() -> str:
    host = rf"({_LABEL}\.)*{_TOP_LABEL}\.?|{_octet()}(\.{_octet()}){{3}}|\[[0-9A-Fa-f:.]+\]"
    port = int_range_pattern(1, targets.MAX_PORT)
    return (
        rf"[Ss][Ii][Pp][Ss]?:[A-Za-z0-9_.!~*'()+%\-]+@({host})(:({port}))?"
        rf"(;{_PARAM}(={_PARAM})?)*({_HEADERS})?"
    )


# --- regular expressions -----------------------------------------------------------------------

_META = frozenset("\\.?*+{}()[]|-^")
_CLASS_META = frozenset("\\[]-^")


def literal(text: str) -> str:
    """An XSD regex matching `text` exactly."""
    return "".join("\\" + char if char in _META else char for char in text)


def any_case(word: str) -> str:
    """An XSD regex matching `word` in any case: `[Gg][Ee][Tt]`."""
    out = []
    for char in word:
        if char.isascii() and char.isalpha():
            out.append(f"[{char.upper()}{char.lower()}]")
        else:
            out.append(literal(char))
    return "".join(out)


def _class_of(chars: str) -> str:
    return "[" + "".join("\\" + c if c in _CLASS_META else c for c in sorted(chars)) + "]"


def int_range_pattern(low: int, high: int) -> str:
    """An XSD regex for the decimal numbers from low to high, written without leading zeros."""
    if not 0 <= low <= high:
        raise ValueError(f"bad range {low}..{high}")
    alternatives = []
    for width in range(len(str(low)), len(str(high)) + 1):
        floor = 0 if width == 1 else 10 ** (width - 1)
        start, stop = max(low, floor), min(high, 10**width - 1)
        alternatives.extend(_same_width(str(start), str(stop)))
    return "|".join(alternatives)


def _same_width(low: str, high: str) -> list[str]:
    """Alternatives matching the numbers low..high, both written with the same number of digits."""
    if low == high:
        return [low]
    if len(low) == 1:
        return [f"[{low}-{high}]"]
    if low[0] == high[0]:
        return [low[0] + tail for tail in _same_width(low[1:], high[1:])]
    rest = len(low) - 1
    head: list[str] = []
    tail: list[str] = []
    first, last = int(low[0]), int(high[0])
    if low[1:] != "0" * rest:
        head = [low[0] + part for part in _same_width(low[1:], "9" * rest)]
        first += 1
    if high[1:] != "9" * rest:
        tail = [high[0] + part for part in _same_width("0" * rest, high[1:])]
        last -= 1
    middle = []
    if first <= last:
        digit = str(first) if first == last else f"[{first}-{last}]"
        middle = [f"{digit}[0-9]" + (f"{{{rest}}}" if rest > 1 else "")]
    return head + middle + tail


def from_python(regex: str) -> str:
    """The XSD form of one of rcml's Python regexes (`\\s`/`\\S` as Python's whitespace).

    Supports what rcml.values uses: classes, groups, alternatives, quantifiers; anything else (an
    inline flag, an anchor) raises ValueError rather than change meaning silently.
    """
    out: list[str] = []
    in_class = False
    index = 0
    while index < len(regex):
        char = regex[index]
        if char == "\\":
            escape = regex[index : index + 2]
            if escape == "\\s":
                out.append(WS_CHARS if in_class else WS)
            elif escape == "\\S" and not in_class:
                out.append(NON_WS)
            elif escape[1:] in ("d", "D", "w", "W", "b", "B", "A", "Z", "S"):
                raise ValueError(f"cannot translate {escape!r} in {regex!r}")
            else:
                out.append(escape)
            index += 2
            continue
        if in_class:
            if char == "]":
                in_class = False
            elif char == "-" and (regex[index - 1] == "[" or regex[index + 1] == "]"):
                char = "\\-"
        elif char == "[":
            in_class = True
            if regex[index + 1] == "^":
                out.append("[^")
                index += 2
                continue
        elif char == "(" and regex[index + 1] == "?":
            if regex[index : index + 3] != "(?:":
                raise ValueError(f"cannot translate the group at {index} in {regex!r}")
            index += 2
        elif char in "^$":
            raise ValueError(f"cannot translate the anchor {char!r} in {regex!r}")
        out.append(char)
        index += 1
    return "".join(out)


# --- value types -------------------------------------------------------------------------------


def _text_core(vtype: v.Text) -> str | None:
    """The stripped value has min_len..max_len characters, from a non-space to a non-space."""
    low, high = vtype.min_len, vtype.max_len
    if high is None:
        if low == 0:
            return None
        if low == 1:
            return f"{NON_WS}({ANY}*{NON_WS})?"
        return f"{NON_WS}{ANY}{{{low - 2},}}{NON_WS}"
    if high == 0:
        return ""
    inner = f"{NON_WS}({ANY}{{0,{high - 2}}}{NON_WS})?" if high > 1 else NON_WS
    if low <= 1:
        return inner if low == 1 else f"({inner})?"
    return f"{NON_WS}{ANY}{{{low - 2},{high - 2}}}{NON_WS}"


def _url_core(vtype: v.Url) -> str:
    # urlsplit sees a scheme in "x:..." when the text before the first ':' starts with an ASCII
    # letter and holds only letters, digits, '+', '-' and '.'; only http and https may be one, and
    # then with a host ("//" and at least one character before the path, query or fragment).
    # values.Url refuses any whitespace inside.
    char = NON_WS
    scheme_char = "A-Za-z0-9+.\\-"
    no_scheme = (
        f"[^{WS_CHARS}:]+",
        f":{char}*",
        f"[^{WS_CHARS}:A-Za-z]{char}*",
        f"[A-Za-z][{scheme_char}]*[^{WS_CHARS}:{scheme_char}]{char}*",
    )
    web = f"{any_case('http')}[Ss]?://[^{WS_CHARS}/?#]+([/?#]{char}*)?"
    return "|".join((*no_scheme, web))


def _words_core(words: tuple[str, ...]) -> str:
    return "|".join(any_case(word) for word in words)


def _int_core(vtype: v.Int) -> str:
    return f"0*({int_range_pattern(vtype.low, vtype.high)})"


def _int_or_word_core(vtype: v.IntOrWord) -> str:
    return f"{_int_core(v.Int(vtype.low, vtype.high))}|{any_case(vtype.word)}"


def _keys_core(vtype: v.Keys) -> str:
    keys = _class_of("".join(v._KEYS)) + f"{{{vtype.min_len},{vtype.max_len}}}"
    return "|".join((keys, *(literal(word) for word in vtype.also)))


def _word_set_core(vtype: v.WordSet) -> str:
    separator = f"[{WS_CHARS},]"  # values.WordSet splits on Python's \s and commas
    word = f"({_words_core(vtype.order)})"
    words = f"{word}({separator}+{word})*{separator}*"
    return f"{separator}*({words})" + ("?" if vtype.default else "")


def _voice_core(vtype: v.Voice) -> str:
    return f"{_words_core(_VOICES)}|{_PROVIDER_VOICE}"


def _emails_core(vtype: v.Emails) -> str:
    address = from_python(v._EMAIL.pattern)
    if vtype.single:
        return address
    # values.Emails strips each part with Python's str.strip.
    return f"{address}({WS}*,{WS}*{address})*"


_CORES: dict[type[v.ValueType], Callable[[Any], str | None]] = {
    v.Text: _text_core,
    v.Url: _url_core,
    v.Method: lambda vtype: _words_core(_METHODS),
    v.Bool: lambda vtype: _words_core(_BOOLEANS),
    v.Int: _int_core,
    v.IntOrWord: _int_or_word_core,
    v.Keys: _keys_core,
    v.Enum: lambda vtype: _words_core(vtype.choices),
    v.WordSet: _word_set_core,
    v.Pattern: lambda vtype: from_python(vtype.regex),
    v.Voice: _voice_core,
    v.Emails: _emails_core,
}


def value_pattern(vtype: v.ValueType) -> str | None:
    """The XSD pattern of a raw value of `vtype`, surrounding whitespace allowed; None: any text."""
    core = _CORES[type(vtype)](vtype)
    return None if core is None else f"{WS}*({core}){WS}*"


def _constant_names() -> dict[v.ValueType, str]:
    """Names of the shared value types of rcml.values: LANG -> "lang", CALLER_ID -> "caller-id"."""
    return {
        value: name.lower().replace("_", "-")
        for name, value in sorted(vars(v).items())
        if name.isupper() and isinstance(value, v.ValueType)
    }


def _keys_name(vtype: v.Keys) -> str:
    return f"keys.{vtype.min_len}-{vtype.max_len}" + "".join(f".or.{w}" for w in vtype.also)


def _text_name(vtype: v.Text) -> str:
    if vtype.max_len is None:
        return f"text.at-least-{vtype.min_len}"
    return f"text.{vtype.min_len}-{vtype.max_len}"


# Names of the value types that are not constants of rcml.values, from their parameters.
_PARAMETRIC_NAMES: dict[type[v.ValueType], Callable[[Any], str]] = {
    v.Text: _text_name,
    v.Int: lambda vtype: f"int.{vtype.low}-{vtype.high}",
    v.IntOrWord: lambda vtype: f"int.{vtype.low}-{vtype.high}.or.{vtype.word}",
    v.Keys: _keys_name,
    v.Enum: lambda vtype: "enum." + ".".join(vtype.choices),
    v.WordSet: lambda vtype: "words." + ".".join(vtype.order),
    v.Emails: lambda vtype: "email" if vtype.single else "emails",
    v.Pattern: lambda vtype: "pattern." + hashlib.sha1(vtype.regex.encode()).hexdigest()[:8],
}


def _parametric_name(vtype: v.ValueType) -> str:
    named = _PARAMETRIC_NAMES.get(type(vtype))
    return named(vtype) if named is not None else type(vtype).__name__.lower()


# --- the schema document -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class XsdNode:
    """One element of the schema document: its xs: name, attributes in order, children or text."""

    name: str
    attrs: tuple[tuple[str, str], ...] = ()
    children: tuple[XsdNode, ...] = ()
    text: str | None = None


def xs(
    element: str, /, *children: XsdNode, text: str | None = None, **attrs: str | None
) -> XsdNode:
    """An xs: element; attributes given as None are left out."""
    pairs = tuple((key, value) for key, value in attrs.items() if value is not None)
    return XsdNode(element, pairs, children, text)


_NAMED_REFERENCES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}


def _escape(text: str) -> str:
    """Markup characters as entity references, anything outside printable ASCII as &#x..;."""
    return "".join(
        _NAMED_REFERENCES.get(char) or (char if " " <= char <= "~" else f"&#x{ord(char):X};")
        for char in text
    )


def _render(tag: XsdNode, depth: int, lines: list[str]) -> None:
    pad = "  " * depth
    head = f"{pad}<xs:{tag.name}" + "".join(f' {k}="{_escape(val)}"' for k, val in tag.attrs)
    if tag.text is not None:
        lines.append(f"{head}>{_escape(tag.text)}</xs:{tag.name}>")
    elif tag.children:
        lines.append(head + ">")
        for child in tag.children:
            _render(child, depth + 1, lines)
        lines.append(f"{pad}</xs:{tag.name}>")
    else:
        lines.append(head + "/>")


def _documentation(text: str) -> XsdNode:
    return xs("annotation", xs("documentation", text=text))


def _summary(cls: type) -> str:
    return (cls.__doc__ or cls.__name__).strip().splitlines()[0]


def _ssml_type(tag: str) -> str:
    return "ssml." + tag


def _local(tag: str) -> XsdNode:
    """A local declaration of element `tag` (RCML or SSML, or Identity)."""
    if tag in n.SSML_ATTRIBUTES:
        return xs("element", name=tag, type=_ssml_type(tag))
    return xs("element", name=tag, type=tag)


def _any_number_of(tags: tuple[str, ...]) -> XsdNode:
    return xs("choice", *(_local(tag) for tag in tags), minOccurs="0", maxOccurs="unbounded")


@dataclass(frozen=True, slots=True)
class SimpleType:
    """A named string type: the pattern a raw value must match, and what it means in words."""

    pattern: str
    documentation: str

    def definition(self, name: str) -> XsdNode:
        restriction = xs("restriction", xs("pattern", value=self.pattern), base="xs:string")
        return xs("simpleType", _documentation(self.documentation), restriction, name=name)


class SchemaBuilder:
    """Builds the schema from the table; collects the simple types it uses by name."""

    def __init__(self) -> None:
        self.constant_names = _constant_names()
        self.simple_types: dict[str, SimpleType] = {}

    # --- simple types ----------------------------------------------------------------------

    def simple_type(self, name: str, pattern: str | None, documentation: str) -> str:
        """Register a string type restricted by `pattern`; returns its name (xs:string if None)."""
        if pattern is None:
            return "xs:string"
        simple = SimpleType(pattern, documentation)
        if self.simple_types.setdefault(name, simple) != simple:
            raise ValueError(f"two different simple types are named {name!r}")
        return name

    def value_type(self, vtype: v.ValueType) -> str:
        name = self.constant_names.get(vtype) or _parametric_name(vtype)
        return self.simple_type(name, value_pattern(vtype), vtype.expected())

    def target_type(self, kind: str) -> str:
        core, words = _TARGETS[kind]
        return self.simple_type(f"target.{kind}", f"{WS}*({core()}){WS}*", words)

    def text_type(self, rule: n.TextRule) -> str:
        """The type of an element's text (or of the attribute standing in for it)."""
        if rule.kind in _TARGETS:
            name = self.target_type(rule.kind)
        elif rule.kind == "url":
            name = self.value_type(v.URL)
        elif rule.check is not None:
            name = self.value_type(rule.check)
        elif rule.kind == "body":
            return "xs:string"
        else:
            raise ValueError(f"no XSD type for text of kind {rule.kind!r}")
        if rule.required:
            return name
        given = self.simple_types[name]
        pattern = f"{given.pattern}|{WS}*"
        return self.simple_type(f"{name}.or-empty", pattern, f"{given.documentation}, or nothing")

    def blank_type(self) -> str:
        return self.simple_type("blank", f"{WS}*", "no text (whitespace only)")

    # --- elements ----------------------------------------------------------------------------

    def attributes(self, spec: ElementSpec) -> list[XsdNode]:
        """The attribute declarations in table order, the text's alias (`name`) first."""
        out = []
        rule = spec.text_rule
        if rule is not None and rule.alias is not None:
            out.append(xs("attribute", name=rule.alias, type=self.text_type(rule)))
        for attr in spec.attrs.values():
            default = None
            if not attr.required and attr.default is not None:
                default = attr.format(attr.default)
            out.append(
                xs(
                    "attribute",
                    name=attr.xml,
                    type=self.value_type(attr.type),
                    use="required" if attr.required else None,
                    default=default,
                )
            )
        return out

    def element_type(self, spec: ElementSpec) -> XsdNode:
        """The complex type named after the tag: its content model, then its attributes."""
        content = _CONTENT.get(spec.cls, SchemaBuilder.generic_content)
        return content(self, spec)

    def generic_content(self, spec: ElementSpec) -> XsdNode:
        doc = _documentation(_summary(spec.cls))
        attributes = self.attributes(spec)
        if not spec.allowed:
            base = self.text_type(spec.text_rule) if spec.text_rule else self.blank_type()
            extension = xs("extension", *attributes, base=base)
            return xs("complexType", doc, xs("simpleContent", extension), name=spec.tag)
        if set(spec.allowed) == set(spec.single_children):
            optional = (xs("element", name=t, type=t, minOccurs="0") for t in spec.allowed)
            model = xs("sequence", *optional)
        else:
            # Children in any order, as the reader takes them; "only once" is rcml check's job.
            model = _any_number_of(spec.allowed)
        mixed = "true" if spec.text_rule is not None else None
        return xs("complexType", doc, model, *attributes, name=spec.tag, mixed=mixed)

    def say_content(self, spec: ElementSpec) -> XsdNode:
        doc = _documentation(_summary(spec.cls))
        model = _any_number_of(spec.allowed)
        return xs("complexType", doc, model, *self.attributes(spec), name=spec.tag, mixed="true")

    def dial_content(self, spec: ElementSpec) -> XsdNode:
        """Text (the shorthand target), or 1..10 dialable nouns, or one of the other nouns."""
        doc = _documentation(_summary(spec.cls))
        dialable = tuple(tag for tag in spec.child_tags if tag in n.DIALABLE)
        alone = tuple(tag for tag in spec.child_tags if tag not in n.DIALABLE)
        several = xs("choice", *(_local(tag) for tag in dialable), maxOccurs=str(MAX_DIALED_NOUNS))
        model = xs("choice", several, *(_local(tag) for tag in alone), minOccurs="0")
        return xs("complexType", doc, model, *self.attributes(spec), name=spec.tag, mixed="true")

    def extra_child_type(self, tag: str, parent: ElementSpec) -> XsdNode:
        """A child the builder reads as its parent's text (<Client><Identity>): that text's type."""
        assert parent.text_rule is not None
        doc = _documentation(f"The {parent.tag}'s target, instead of its text (TwiML).")
        base = self.text_type(n.TextRule(parent.text_rule.kind, required=True))
        extension = xs("extension", base=base)
        return xs("complexType", doc, xs("simpleContent", extension), name=tag)

    def ssml_type(self, tag: str) -> XsdNode:
        attributes: list[XsdNode] = []
        for name in n.SSML_ATTRIBUTES[tag]:
            if not name.startswith("xml:"):
                attributes.append(xs("attribute", name=name, type="xs:string"))
        # Declaring xml:lang itself would need the XML namespace's schema, fetched from the
        # network; any attribute of that namespace is the closest offline approximation.
        if any(name.startswith("xml:") for name in n.SSML_ATTRIBUTES[tag]):
            attributes.append(xs("anyAttribute", namespace=XML_NAMESPACE, processContents="skip"))
        doc = _documentation(f"SSML <{tag}> inside <Say>; nests freely with text.")
        model = _any_number_of(tuple(n.SSML_ATTRIBUTES))
        return xs("complexType", doc, model, *attributes, name=_ssml_type(tag), mixed="true")

    def schema(self) -> XsdNode:
        complex_types = [self.element_type(spec) for spec in ELEMENTS.values()]
        for parent, tags in names.EXTRA_CHILDREN.items():
            complex_types.extend(self.extra_child_type(tag, ELEMENTS[parent]) for tag in tags)
        complex_types.extend(self.ssml_type(tag) for tag in n.SSML_ATTRIBUTES)
        clash = {dict(t.attrs)["name"] for t in complex_types} & set(self.simple_types)
        if clash:
            raise ValueError(f"type names used twice: {sorted(clash)}")
        simple_types = [
            self.simple_types[name].definition(name) for name in sorted(self.simple_types)
        ]
        about = (
            "RCML (Restcomm's call-flow markup) for editors, generated by `rcml schema` from "
            "rcml's naming table. `rcml check` checks more than this schema can say."
        )
        root = xs("element", name="Response", type="Response")
        return xs(
            "schema", _documentation(about), root, *complex_types, *simple_types,
            **{"xmlns:xs": XS_NAMESPACE},
        )  # fmt: skip


_TARGETS: dict[str, tuple[Callable[[], str], str]] = {
    "number": (_number_target, "a phone number: optional tel: and '+', 1 to 15 digits, ?headers"),
    "client": (_client_target, "a client name, with or without client:"),
    "sip": (_sip_target, "a sip: or sips: URI user@host[:port][;params][?headers]"),
}

_CONTENT: dict[type[n.Node], Callable[[SchemaBuilder, ElementSpec], XsdNode]] = {
    n.Say: SchemaBuilder.say_content,
    n.Dial: SchemaBuilder.dial_content,
}


def to_xsd() -> str:
    """The XML Schema 1.0 of RCML as text (see the module docstring for what it checks)."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>']
    _render(SchemaBuilder().schema(), 0, lines)
    return "\n".join(lines) + "\n"
