"""The one validator: turns an element tree (from either reader) into the AST, with every problem.

Both syntaxes feed it the same thing, an lxml element tree plus a `Locator` that knows where each
element came from, so a `.flow` file gets exactly the checks and codes of the equivalent `.xml`.

The success path is kept lean because it runs for every document fetched during a call: each
element is visited once, values are converted by their types, nodes are made with
`nodes.construct`, and nothing about positions or messages is computed until a problem is found.

Whitespace (spec §1.1 rules 7-8) is what Python's `str.strip()`/`str.split()` remove: XML's four
characters plus the Unicode separators and NEL; the XSD of `rcml.schema` mirrors exactly this.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

from lxml import etree

from rcml import names, targets
from rcml import nodes as n
from rcml import values as v
from rcml.errors import Problem, sort_problems
from rcml.names import ELEMENTS, AttrSpec, ElementSpec

XML_NS = "{http://www.w3.org/XML/1998/namespace}"

Element = etree._Element


class Locator(Protocol):
    """Where elements and attributes of a tree stand in their source."""

    filename: str | None

    def span(self, element: Element) -> n.Span: ...

    def position(
        self, element: Element, attribute: str | None = None
    ) -> tuple[int, int | None]: ...


@dataclass(frozen=True, slots=True)
class Dialect:
    """How messages name elements and attributes: `<Say>`/`'loop'` in XML, `say`/`loop` in flows."""

    element: Callable[[str], str]
    attribute: Callable[[str], str]
    # An element in a list of what is allowed: the bare tag in XML (`Say, Play`), the keyword in
    # flows (`say, play`).
    listed: Callable[[str], str] = str


XML_DIALECT = Dialect(element=lambda tag: f"<{tag}>", attribute=lambda name: f"'{name}'")

_TEXT_NEEDS = {
    "url": "a URL",
    "number": "the phone number to dial",
    "client": "the client name",
    "sip": "the SIP URI to dial",
    "name": "a name",
    "body": "the message body",
}
_TEXT_WHAT = {
    "Play": "the audio URL (or a 'digits' attribute)",
    "Redirect": "the URL to continue with",
    "Fax": "the URL of the document to send",
    "Queue": "the queue name",
    "Enqueue": "the queue name",
    "Conference": "the room name",
    "Sms": "the message body",
}
_TARGET_KINDS = frozenset({"number", "client", "sip"})
_MISPLACED_CODE = {"Gather": 13320, "Dial": 13215}
_SHORTHAND_NOUN: dict[str, type[n.Number | n.Client | n.Sip]] = {
    "number": n.Number,
    "client": n.Client,
    "sip": n.Sip,
}
_TARGET_FIELD = {"number": "number", "client": "name", "sip": "uri"}
_SHORTHAND_CODE = {"number": 13223, "client": 12200, "sip": 13243}
# Text that may be left out when an attribute stands in for it (§2.15: <Play digits="...">).
_TEXT_OPTIONAL_WITH = {"Play": "digits"}
_ROOMS = ("Conference", "Queue")
_ENDS_SEQUENCE = ("Hangup", "Redirect")

_ATTRIBUTE_NAMES: dict[str, tuple[str, ...]] = {
    tag: (
        *spec.attrs,
        *((spec.text_rule.alias,) if spec.text_rule and spec.text_rule.alias else ()),
    )
    for tag, spec in ELEMENTS.items()
}
_KNOWN_TAGS = frozenset(names.ALL_TAGS)
_UNSUPPORTED_BY_CASE = {tag.lower(): tag for tag in names.TWIML_ELEMENTS | names.USSD_ELEMENTS}


def _shorten(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def suggest(
    name: str, allowed: Iterable[str], known: Iterable[str] = ()
) -> tuple[str | None, bool]:
    """A "did you mean" for `name`: (suggestion, found-by-case).

    First a case-insensitive exact match among `known` (or `allowed`), then the closest allowed
    name by similarity (ratio >= 0.75).
    """
    lower = name.lower()
    for candidate in (*allowed, *known):
        if candidate.lower() == lower:
            return candidate, True
    close = difflib.get_close_matches(name, list(allowed), n=1, cutoff=0.75)
    return (close[0], False) if close else (None, False)


class Builder:
    """Builds nodes from elements and records problems; one instance per document."""

    __slots__ = ("locator", "_span", "dialect", "problems", "errors")

    def __init__(self, locator: Locator, dialect: Dialect = XML_DIALECT) -> None:
        self.locator = locator
        self._span = locator.span
        self.dialect = dialect
        self.problems: list[Problem] = []
        self.errors = 0

    # --- reporting ---------------------------------------------------------------------------

    def report(
        self,
        element: Element,
        code: int,
        message: str,
        attribute: str | None = None,
        severity: str = "error",
    ) -> None:
        line, col = self.locator.position(element, attribute)
        self.problems.append(Problem(self.locator.filename, line, col, code, message, severity))
        if severity == "error":
            self.errors += 1

    def _label(self, tag: str) -> str:
        return self.dialect.element(tag)

    def _names(self, tags: Iterable[str]) -> str:
        listed = ", ".join(map(self.dialect.listed, tags))
        return listed or "none"

    # --- documents -----------------------------------------------------------------------------

    def document(self, root: Element) -> n.Response | None:
        tag = root.tag
        if tag != "Response":
            tag = _local(tag)
            if tag != "Response":
                self.report(
                    root,
                    12200,
                    f"root element must be {self._label('Response')}, found {self._label(tag)}",
                )
                return None
        node = self.element(root, _RESPONSE_PLAN)
        return node if isinstance(node, n.Response) else None

    def element(self, el: Element, plan: _Plan) -> n.Node | None:
        """Build one element of a known tag; None when it has errors (they are recorded)."""
        errors = self.errors
        spec, cls, parsers, alias, required, reader, with_children, text_field, convert = plan
        values: dict[str, Any] = {"span": self._span(el)}
        alias_value = None
        items: list[tuple[str, str]] = el.items()  # type: ignore[assignment]  # str, not bytes
        if items:
            for name, raw in items:
                parser = parsers.get(name)
                if parser is None:
                    if name == alias:
                        alias_value = raw.strip()
                    else:
                        self._unknown_attribute(el, spec.tag, name, _ATTRIBUTE_NAMES[spec.tag])
                    continue
                field, parse = parser
                try:
                    values[field] = parse(raw.strip())
                except v.ValueProblem as problem:
                    self._bad_value(el, spec.tag, name, problem)
        if required:
            self._required(el, spec, required)
        if reader is not None:
            reader(self, el, spec, values, alias_value)
        elif len(el):
            with_children(self, el, spec, values, alias_value)
        else:
            # A leaf, as nearly every element is: its text is all there is to read.
            text = el.text
            text = text.strip() if text else ""
            if text_field is None:
                if text:
                    self._stray_text(el, spec.tag, text)
            elif text and alias_value is None:
                # What _text does with plain text, without its questions about where the value
                # came from; it runs only to report a value that does not convert.
                try:
                    values[text_field] = convert(text)
                except (targets.TargetError, v.ValueProblem):
                    self._text(el, spec, text, values, None, None, False)
            else:
                self._text(el, spec, text, values, alias_value, None, False)
        if self.errors != errors:
            return None
        return n.construct(cls, values)

    # --- attributes ----------------------------------------------------------------------------

    def _bad_value(self, el: Element, tag: str, name: str, problem: v.ValueProblem) -> None:
        attr = ELEMENTS[tag].attrs[name]
        shown = self.dialect.attribute(name)
        message = _abbreviated(problem, el.get(name, "").strip())
        self.report(el, attr.code, f"{self._label(tag)} attribute {shown}: {message}", name)

    def _required(self, el: Element, spec: ElementSpec, required: tuple[AttrSpec, ...]) -> None:
        for attr in required:
            if el.get(attr.xml) is None:
                shown = self.dialect.attribute(attr.xml)
                self.report(el, attr.code, f"{self._label(spec.tag)} requires attribute {shown}")

    def _unknown_attribute(
        self, el: Element, tag: str, name: str, allowed: tuple[str, ...]
    ) -> None:
        label = self._label(tag)
        if name.startswith(XML_NS):
            name = "xml:" + name[len(XML_NS) :]  # predeclared: not a namespace declaration problem
        elif name.startswith("{"):
            shown = self.dialect.attribute(_prefixed(el, name))
            message = f"attribute {shown} on {label} is in a namespace; RCML attributes take no " \
                "namespace prefix"  # fmt: skip
            self.report(el, 12200, message, name)
            return
        shown = self.dialect.attribute(name)
        if name in names.TWIML_ATTRIBUTES.get(tag, ()):
            message = (
                f"attribute {shown} on {label} is a TwiML attribute that rcml does not support"
            )
            self.report(el, 12200, message, name)
            return
        if not allowed:
            message = f"unknown attribute {shown} on {label}; {label} takes no attributes"
            self.report(el, 12200, message, name)
            return
        suggestion, _ = suggest(name, allowed)
        if suggestion:
            hint = f"did you mean {self.dialect.attribute(suggestion)}?"
        else:
            hint = "allowed: " + ", ".join(allowed)
        self.report(el, 12200, f"unknown attribute {shown} on {label}; {hint}", name)

    # --- content -------------------------------------------------------------------------------

    def _content(
        self, el: Element, spec: ElementSpec, values: dict[str, Any], alias_value: str | None
    ) -> tuple[str, list[str]]:
        """Build children and read the text; returns the stripped text and the child elements'
        tags (local names; `_child_elements` gives the elements themselves)."""
        text = el.text
        tags: list[str] = []
        identity: str | None = None
        has_children = False  # recognised ones: a misplaced element is reported on its own
        if len(el):
            pieces = [text] if text else []
            allowed = _CHILD_PLANS[spec.tag]
            single = spec.single_children
            kids: list[n.Node] = []
            seen_single: set[str] = set()
            for child in el:
                tail = child.tail
                if tail:
                    pieces.append(tail)
                tag = child.tag
                if type(tag) is not str:
                    continue  # comments and processing instructions
                if tag[0] == "{":
                    tag = _local(tag)
                tags.append(tag)
                plan = allowed.get(tag)
                if plan is None:
                    if tag == "Identity" and spec.cls is n.Client:
                        has_children = True
                        if "Identity" in seen_single:
                            self._once(child, tag, spec.tag)
                        seen_single.add("Identity")
                        identity = self._identity(child)
                    else:
                        self._misplaced(child, tag, spec.tag, spec.allowed)
                    continue
                has_children = True
                node = self.element(child, plan)
                if tag not in single:
                    if node is not None:
                        kids.append(node)
                elif tag in seen_single:
                    self._once(child, tag, spec.tag)
                else:
                    seen_single.add(tag)
                    if node is not None:
                        values[single[tag]] = node
            if spec.children_field:
                values[spec.children_field] = tuple(kids)
            text = "".join(pieces)
        text = text.strip() if text else ""
        if spec.text_rule is not None:
            self._text(el, spec, text, values, alias_value, identity, has_children)
        elif text and spec.cls is not n.Dial:  # Dial text is the target shorthand (_dial)
            self._stray_text(el, spec.tag, text)
        return text, tags

    def _stray_text(self, el: Element, tag: str, text: str) -> None:
        self.report(el, 12200, f"{self._label(tag)} takes no text, found '{_shorten(text)}'")

    def _once(self, el: Element, tag: str, parent: str) -> None:
        self.report(el, 12200, f"{self._label(tag)} may appear only once in {self._label(parent)}")

    def _identity(self, el: Element) -> str | None:
        for name, _ in el.items():
            self._unknown_attribute(el, "Identity", str(name), ())
        for child in el:
            if type(child.tag) is str:
                self._misplaced(child, _local(child.tag), "Identity", ())
        text = _element_text(el)
        if not text:
            self.report(el, 12200, f"{self._label('Identity')} requires text: the client name")
            return None
        return text

    def _misplaced(self, el: Element, tag: str, parent_tag: str, allowed: tuple[str, ...]) -> None:
        parent = self._label(parent_tag)
        label = self._label(f"{el.prefix}:{tag}" if el.prefix else tag)
        if tag in _KNOWN_TAGS:
            if allowed:
                message = f"{label} is not allowed inside {parent}; allowed: {self._names(allowed)}"
            else:
                message = (
                    f"{label} is not allowed inside {parent}; {parent} takes no child elements"
                )
            self.report(el, _MISPLACED_CODE.get(parent_tag, 12200), message)
            return
        if tag in names.USSD_ELEMENTS:
            self.report(el, 12200, f"{label}: USSD verbs are not supported")
            return
        kind = "verb" if parent_tag in ("Response", "Gather") else "noun"
        if tag in names.TWIML_ELEMENTS:
            self.report(el, 12200, f"{label} is a TwiML {kind} that rcml does not support")
            return
        hint = f"allowed here: {self._names(allowed)}" if allowed else \
            f"{parent} takes no child elements"  # fmt: skip
        unsupported = _UNSUPPORTED_BY_CASE.get(tag.lower())
        if unsupported is not None:
            what = "a USSD verb" if unsupported in names.USSD_ELEMENTS else f"a TwiML {kind}"
            message = (
                f"unknown element {label} in {parent}: names are case-sensitive, and "
                f"{self._label(unsupported)} is {what} that rcml does not support"
            )
            self.report(el, 12200, message)
            return
        suggestion, by_case = suggest(tag, allowed, names.ALL_TAGS)
        if suggestion and by_case:
            message = (
                f"unknown element {label} in {parent}: names are case-sensitive, "
                f"did you mean {self._label(suggestion)}? {hint}"
            )
        elif suggestion:
            guess = self._label(suggestion)
            message = f"unknown element {label} in {parent}; did you mean {guess}? {hint}"
        else:
            message = f"unknown element {label} in {parent}; {hint}"
        self.report(el, 12200, message)

    def _text(
        self,
        el: Element,
        spec: ElementSpec,
        text: str,
        values: dict[str, Any],
        alias_value: str | None,
        identity: str | None,
        has_elements: bool,
    ) -> None:
        rule = spec.text_rule
        assert rule is not None and spec.text_field is not None
        source = None  # the attribute the value came from, when it is not the text
        if rule.alias is not None:
            chosen = self._target(el, spec, rule.alias, text, alias_value, identity, has_elements)
            if chosen is None:
                return
            text, source = chosen
        if not text:
            optional_with = _TEXT_OPTIONAL_WITH.get(spec.tag)
            required = rule.required or (
                optional_with is not None and el.get(optional_with) is None
            )
            if required:
                label = self._label(spec.tag)
                what = _TEXT_WHAT.get(spec.tag) or _TEXT_NEEDS.get(rule.kind, "text")
                if rule.alias:
                    what += f", as text or in the {self.dialect.attribute(rule.alias)} attribute"
                    if spec.cls is n.Client:
                        what += f" or an {self._label('Identity')}"
                self.report(el, rule.missing_code, f"{label} requires text: {what}")
            return
        try:
            text = _PLANS[spec.tag].convert(text)
        except targets.TargetError as problem:
            self.report(el, rule.code, f"{self._label(spec.tag)}: {problem.message}", source)
            return
        except v.ValueProblem as problem:
            where = "text" if source is None else f"attribute {self.dialect.attribute(source)}"
            message = f"{self._label(spec.tag)} {where}: {_abbreviated(problem, text)}"
            self.report(el, rule.code, message, source)
            return
        values[spec.text_field] = text

    def _target(
        self,
        el: Element,
        spec: ElementSpec,
        alias: str,
        text: str,
        alias_value: str | None,
        identity: str | None,
        has_elements: bool,
    ) -> tuple[str, str | None] | None:
        """Client, Sip, Conference: the target from the text, `name` or <Identity> (one of them).

        Returns (target, attribute it came from or None), or None after reporting a conflict.
        """
        if alias_value is None and identity is None and not (text and has_elements):
            return text, None
        label = self._label(spec.tag)
        shown = self.dialect.attribute(alias)
        if text and has_elements:
            where = f"the {shown} attribute"
            if spec.cls is n.Client:
                where += f" or an {self._label('Identity')}"
            self.report(el, 12200, f"{label} with child elements takes its target in {where}, "
                        "not as text")  # fmt: skip
            return None
        if text:
            self.report(el, 12200, f"{label} has both text and a {shown} attribute; give only one")
            return None
        if alias_value is not None and identity is not None:
            self.report(el, 12200, f"{label} has both a {shown} attribute and "
                        f"{self._label('Identity')}; give only one")  # fmt: skip
            return None
        if alias_value is not None:
            return alias_value, alias
        assert identity is not None
        return identity, None

    # --- Response ------------------------------------------------------------------------------

    def _response(
        self, el: Element, spec: ElementSpec, values: dict[str, Any], alias_value: str | None
    ) -> None:
        _, tags = self._content(el, spec, values, alias_value)
        if "Reject" not in tags:
            before_last = tags[:-1]
            if "Hangup" not in before_last and "Redirect" not in before_last:
                return  # nothing to warn about, as in nearly every document
        verbs = _child_elements(el)
        seen_other = False
        for index, (tag, child) in enumerate(zip(tags, verbs, strict=True)):
            if tag in _ENDS_SEQUENCE and index + 1 < len(verbs):
                after = verbs[index + 1]
                message = f"{self._label(tags[index + 1])} is unreachable: it follows " \
                    f"{self._label(tag)}"  # fmt: skip
                self.report(after, 99002, message, severity="warning")
                return
            if tag == "Reject" and seen_other:
                message = f"{self._label('Reject')} after other verbs runs on an answered call " \
                    "and will be skipped"  # fmt: skip
                self.report(child, 99001, message, severity="warning")
            if tag not in ("Pause", "Reject"):
                seen_other = True

    # --- Say and SSML --------------------------------------------------------------------------

    def _say(
        self, el: Element, spec: ElementSpec, values: dict[str, Any], alias_value: str | None
    ) -> None:
        """A <Say> with child elements: SSML (plain text goes the way of every leaf's text)."""
        content = self._mixed(el, "Say")
        if any(not isinstance(item, str) for item in content):
            values["ssml"] = _trim_ends(content)
        else:
            values["text"] = " ".join("".join(content).split())  # type: ignore[arg-type]

    def _mixed(self, el: Element, parent: str) -> list[str | n.Ssml]:
        content: list[str | n.Ssml] = []
        if el.text:
            content.append(el.text)
        for child in el:
            tag = child.tag
            if type(tag) is str:
                tag = _local(tag)
                if tag in n.SSML_ATTRIBUTES:
                    node = self._ssml(child, tag)
                    if node is not None:
                        content.append(node)
                else:
                    self._misplaced(child, tag, parent, ELEMENTS["Say"].allowed)
            if child.tail:
                content.append(child.tail)
        return _collapse(content)

    def _ssml(self, el: Element, tag: str) -> n.Ssml | None:
        errors = self.errors
        allowed = n.SSML_ATTRIBUTES[tag]
        attributes: dict[str, str] = {}
        items: list[tuple[str, str]] = el.items()  # type: ignore[assignment]  # str, not bytes
        for name, raw in items:
            shown = "xml:" + name[len(XML_NS) :] if name.startswith(XML_NS) else name
            if shown in allowed:
                attributes[shown] = raw.strip()
            else:
                self._unknown_attribute(el, tag, name, allowed)
        content = self._mixed(el, tag)
        if self.errors != errors:
            return None
        ordered = tuple((name, attributes[name]) for name in allowed if name in attributes)
        return n.construct(
            n.Ssml,
            {"name": tag, "attributes": ordered, "content": tuple(content),
             "span": self.locator.span(el)},
        )  # fmt: skip

    # --- Dial ----------------------------------------------------------------------------------

    def _dial(
        self, el: Element, spec: ElementSpec, values: dict[str, Any], alias_value: str | None
    ) -> None:
        text, tags = self._content(el, spec, values, alias_value)
        label = self._label("Dial") if not text or tags else ""
        if text and tags:
            nouns = f"{self._label('Number')}, {self._label('Client')} or {self._label('Sip')}"
            message = f"{label} has both text and nouns; put the target in a {nouns}"
            self.report(el, 13215, message)
            return
        if text:
            self._shorthand(el, text, values)
            return
        if not tags:
            self.report(el, 13215, f"{label} needs a target: text such as +15551234567, or a "
                        f"{self._label('Number')}, {self._label('Client')}, {self._label('Sip')}, "
                        f"{self._label('Conference')} or {self._label('Queue')}")  # fmt: skip
            return
        dialable = sum(tag in n.DIALABLE for tag in tags)
        rooms = [tag for tag in tags if tag in _ROOMS]
        if rooms and (len(rooms) > 1 or dialable):
            room = rooms[0]
            self.report(el, 13215, f"{self._label(room)} must be the only noun in {label}")
        elif dialable > 10:
            self.report(el, 13215, f"{label} has {dialable} numbers, clients and SIP URIs; "
                        "at most 10 are allowed")  # fmt: skip

    def _shorthand(self, el: Element, text: str, values: dict[str, Any]) -> None:
        """`<Dial>TARGET</Dial>`: one noun with default attributes (§2.7.2)."""
        kind = targets.shorthand_kind(text)
        if kind == "sip" and not text.lower().startswith(("sip:", "sips:")):
            text = "sip:" + text
        try:
            target = targets.normalize(kind, text)
        except targets.TargetError as problem:
            self.report(el, _SHORTHAND_CODE[kind], f"{self._label('Dial')}: {problem.message}")
            return
        noun = n.construct(
            _SHORTHAND_NOUN[kind], {_TARGET_FIELD[kind]: target, "span": values["span"]}
        )
        values["nouns"] = (noun,)

    def _uri(
        self, el: Element, spec: ElementSpec, values: dict[str, Any], alias_value: str | None
    ) -> None:
        self._content(el, spec, values, alias_value)
        message = f"{self._label('Uri')} is deprecated; use {self._label('Sip')}"
        self.report(el, 99003, message, severity="warning")


_ContentReader = Callable[[Builder, Element, ElementSpec, dict[str, Any], "str | None"], object]
# Elements whose content needs more than children and text, with or without children.
_CONTENT: dict[str, _ContentReader] = {
    "Response": Builder._response,
    "Dial": Builder._dial,
    "Uri": Builder._uri,
}
# Elements whose child elements are not nodes.
_MIXED_CONTENT: dict[str, _ContentReader] = {"Say": Builder._say}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[1] if tag[0] == "{" else tag


def _child_elements(el: Element) -> list[Element]:
    """The child elements (no comments or processing instructions), as `_content` tags them."""
    return [child for child in el if type(child.tag) is str]


def _as_written(text: str) -> str:
    return text


def _collapse_spaces(text: str) -> str:
    return " ".join(text.split())


def _text_converter(rule: n.TextRule | None) -> Callable[[str], str]:
    """How an element's stripped, non-empty text becomes its stored value; raises
    `targets.TargetError` or `values.ValueProblem` when the text is not valid."""
    if rule is None:
        return _as_written
    if rule.kind in _TARGET_KINDS:
        return targets.NORMALIZERS[rule.kind]
    if rule.kind == "url":
        return v.URL.parse
    if rule.kind == "say":
        return _collapse_spaces
    check = rule.check
    if isinstance(check, v.Text):
        return check.parse  # the text itself, once its length is checked
    if check is not None:
        return lambda text: str(check.parse(text))
    return _as_written


class _Plan(NamedTuple):
    """What `Builder.element` needs to know about a tag, fetched with one lookup per element."""

    spec: ElementSpec
    cls: type[n.Node]
    # xml name -> (field, parse): the one lookup the hot loop makes per attribute.
    parsers: dict[str, tuple[str, Callable[[str], object]]]
    alias: str | None  # the attribute that may stand in for the text
    required: tuple[AttrSpec, ...]
    reader: _ContentReader | None  # see _CONTENT
    with_children: _ContentReader  # reads the content of an element that has child elements
    text_field: str | None
    convert: Callable[[str], str]  # see _text_converter


def _plan(spec: ElementSpec) -> _Plan:
    rule = spec.text_rule
    return _Plan(
        spec=spec,
        cls=spec.cls,
        parsers={xml: (attr.field, attr.type.parse) for xml, attr in spec.attrs.items()},
        alias=rule.alias if rule is not None else None,
        required=tuple(attr for attr in spec.attrs.values() if attr.required),
        reader=_CONTENT.get(spec.tag),
        with_children=_MIXED_CONTENT.get(spec.tag, Builder._content),
        text_field=spec.text_field,
        convert=_text_converter(rule),
    )


# Derived once from the naming table: how to read each element and what it may contain.
_PLANS: dict[str, _Plan] = {tag: _plan(spec) for tag, spec in ELEMENTS.items()}
_RESPONSE_PLAN = _PLANS["Response"]
_CHILD_PLANS: dict[str, dict[str, _Plan]] = {
    tag: {child: _PLANS[child] for child in (*spec.child_tags, *spec.single_children)}
    for tag, spec in ELEMENTS.items()
}


def _prefixed(el: Element, name: str) -> str:
    """`{uri}local` as the source spelled it (`prefix:local`), for messages."""
    uri, local = name[1:].split("}", 1)
    if name.startswith(XML_NS):
        return "xml:" + local
    for prefix, ns in el.nsmap.items():
        if ns == uri and prefix:
            return f"{prefix}:{local}"
    return local


def _element_text(el: Element) -> str:
    pieces = [el.text or ""]
    pieces.extend(child.tail or "" for child in el)
    return "".join(pieces).strip()


def _collapse(content: list[str | n.Ssml]) -> list[str | n.Ssml]:
    """Merge adjacent texts and collapse whitespace runs to one space (SSML is mixed content)."""
    out: list[str | n.Ssml] = []
    for item in content:
        if isinstance(item, str) and out and isinstance(out[-1], str):
            out[-1] += item
        else:
            out.append(item)
    return [_squeeze(item) if isinstance(item, str) else item for item in out]


def _squeeze(text: str) -> str:
    words = text.split()
    if not words:
        return " "
    squeezed = " ".join(words)
    if text[0].isspace():
        squeezed = " " + squeezed
    if text[-1].isspace():
        squeezed += " "
    return squeezed


def _trim_ends(content: list[str | n.Ssml]) -> tuple[str | n.Ssml, ...]:
    items = list(content)
    if items and isinstance(items[0], str):
        items[0] = items[0].lstrip()
    if items and isinstance(items[-1], str):
        items[-1] = items[-1].rstrip()
    return tuple(item for item in items if item != "")


_ECHO_LIMIT = 80


def _abbreviated(problem: v.ValueProblem, raw: str) -> str:
    """The problem's message; a long value is not echoed whole, only its start and length."""
    message = str(problem)
    if len(raw) > _ECHO_LIMIT:
        start = raw[:40].replace("\n", " ")
        message = message.rsplit(", got ", 1)[0] + f", got '{start}…' ({len(raw)} characters)"
    return message


def build_document(root: Element, locator: Locator, dialect: Dialect = XML_DIALECT
                   ) -> tuple[n.Response | None, list[Problem]]:  # fmt: skip
    """Build the AST of a parsed tree; returns the document (None on errors) and every problem."""
    builder = Builder(locator, dialect)
    doc = builder.document(root)
    if not builder.problems:
        return doc, []
    return (None if builder.errors else doc), sort_problems(builder.problems)
