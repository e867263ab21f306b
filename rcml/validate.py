"""The one validator: turns an element tree (from either reader) into the AST, collecting every problem.

Both syntaxes feed it the same thing, an lxml element tree plus a `Locator` that knows where each
element came from, so a `.flow` file gets exactly the checks and codes of the equivalent `.xml`.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from lxml import etree

from rcml import names, targets
from rcml import nodes as n
from rcml import values as v
from rcml.errors import Problem, sort_problems
from rcml.names import ELEMENTS, ElementSpec

XML_NS = "{http://www.w3.org/XML/1998/namespace}"

Element = etree._Element


class Locator(Protocol):
    """Where elements and attributes of a tree stand in their source."""

    filename: str | None

    def span(self, element: Element) -> n.Span: ...

    def position(self, element: Element, attribute: str | None = None) -> tuple[int, int | None]: ...


@dataclass(frozen=True, slots=True)
class Dialect:
    """How messages name elements and attributes: `<Say>`/`'loop'` in XML, `say`/`loop` in flows."""

    element: Callable[[str], str]
    attribute: Callable[[str], str]


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
_TARGET_KINDS = {"number": "number", "client": "client", "sip": "sip"}
_MISPLACED_CODE = {"Gather": 13320, "Dial": 13215}
_SHORTHAND_NOUN: dict[str, type[n.Number | n.Client | n.Sip]] = {
    "number": n.Number,
    "client": n.Client,
    "sip": n.Sip,
}
_TARGET_FIELD = {"number": "number", "client": "name", "sip": "uri"}


def _shorten(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def suggest(name: str, allowed: Iterable[str], known: Iterable[str] = ()) -> tuple[str | None, bool]:
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

    def __init__(self, locator: Locator, dialect: Dialect = XML_DIALECT) -> None:
        self.locator = locator
        self.dialect = dialect
        self.problems: list[Problem] = []

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

    def _label(self, tag: str) -> str:
        return self.dialect.element(tag)

    def _names(self, tags: Iterable[str]) -> str:
        listed = ", ".join(tags)
        return listed or "none"

    # --- documents -----------------------------------------------------------------------------

    def document(self, root: Element) -> n.Response | None:
        tag = _local(root.tag)
        if tag != "Response":
            self.report(
                root, 12200, f"root element must be {self._label('Response')}, found {self._label(tag)}"
            )
            return None
        node = self.element(root, ELEMENTS["Response"], None)
        return node if isinstance(node, n.Response) else None

    def element(self, el: Element, spec: ElementSpec, parent: str | None) -> n.Node | None:
        """Build one element of a known tag; None when it has errors (they are recorded)."""
        before = len(self.problems)
        kwargs: dict[str, Any] = {"span": self.locator.span(el)}
        alias_value = self._attributes(el, spec, kwargs)
        if spec.cls is n.Say:
            self._say_content(el, kwargs)
        else:
            self._content(el, spec, kwargs, alias_value)
        if spec.cls is n.Dial:
            self._dial(el, kwargs)
        elif spec.cls is n.Response:
            self._sequence_warnings(el)
        elif spec.cls is n.Uri:
            self.report(el, 99003, f"{self._label('Uri')} is deprecated; use {self._label('Sip')}",
                        severity="warning")  # fmt: skip
        if any(p.is_error for p in self.problems[before:]):
            return None
        return spec.cls(**kwargs)

    # --- attributes ----------------------------------------------------------------------------

    def _attributes(self, el: Element, spec: ElementSpec, kwargs: dict[str, Any]) -> str | None:
        """Convert the attributes into kwargs; return the value of a text alias (`name`)."""
        alias = spec.text_rule.alias if spec.text_rule else None
        alias_value = None
        attrs = spec.attrs
        for name, raw in el.attrib.items():
            attr = attrs.get(name)
            if attr is None:
                if name == alias:
                    alias_value = raw.strip()
                else:
                    self._unknown_attribute(el, spec, name)
                continue
            try:
                kwargs[attr.field] = attr.type.parse(raw.strip())
            except v.ValueProblem as problem:
                self.report(
                    el,
                    attr.code,
                    f"{self._label(spec.tag)} attribute {self.dialect.attribute(name)}: {problem}",
                    name,
                )
                kwargs[attr.field] = attr.default
        for attr in attrs.values():
            if attr.required and attr.xml not in el.attrib:
                self.report(
                    el,
                    attr.code,
                    f"{self._label(spec.tag)} requires attribute {self.dialect.attribute(attr.xml)}",
                )
        return alias_value

    def _unknown_attribute(self, el: Element, spec: ElementSpec, name: str) -> None:
        label = self._label(spec.tag)
        if name.startswith("{"):
            self.report(el, 12200, f"attribute {name} on {label} is in a namespace; "
                        "RCML attributes take no namespace prefix", name)  # fmt: skip
            return
        shown = self.dialect.attribute(name)
        if name in names.TWIML_ATTRIBUTES.get(spec.tag, ()):
            message = f"attribute {shown} on {label} is a TwiML attribute that rcml does not support"
            self.report(el, 12200, message, name)
            return
        allowed = [*spec.attrs, *([spec.text_rule.alias] if spec.text_rule and spec.text_rule.alias else [])]
        if not allowed:
            self.report(el, 12200, f"unknown attribute {shown} on {label}; {label} takes no attributes", name)
            return
        suggestion, _ = suggest(name, allowed)
        if suggestion:
            hint = f"did you mean {self.dialect.attribute(suggestion)}?"
        else:
            hint = "allowed: " + ", ".join(allowed)
        self.report(el, 12200, f"unknown attribute {shown} on {label}; {hint}", name)

    # --- content -------------------------------------------------------------------------------

    def _content(
        self, el: Element, spec: ElementSpec, kwargs: dict[str, Any], alias_value: str | None
    ) -> None:
        pieces = [el.text] if el.text else []
        kids: list[n.Node] = []
        identity: str | None = None
        has_elements = False
        for child in el:
            if child.tail:
                pieces.append(child.tail)
            tag = child.tag
            if not isinstance(tag, str):
                continue  # comments and processing instructions
            has_elements = True
            tag = _local(tag)
            if tag in spec.child_tags:
                node = self.element(child, ELEMENTS[tag], spec.tag)
                if node is not None:
                    kids.append(node)
            elif tag in spec.single_children:
                field = spec.single_children[tag]
                node = self.element(child, ELEMENTS[tag], spec.tag)
                if field in kwargs:
                    self._once(child, tag, spec.tag)
                elif node is not None:
                    kwargs[field] = node
            elif tag == "Identity" and spec.cls is n.Client:
                if identity is not None:
                    self._once(child, tag, spec.tag)
                identity = self._identity(child)
            else:
                self._misplaced(child, tag, spec)
        if spec.children_field:
            kwargs[spec.children_field] = tuple(kids)
        text = "".join(pieces).strip()
        rule = spec.text_rule
        if rule is None:
            if text and spec.cls is not n.Dial:  # Dial text is the target shorthand (_dial)
                self.report(el, 12200, f"{self._label(spec.tag)} takes no text, found '{_shorten(text)}'")
            return
        self._text(el, spec, rule, text, kwargs, alias_value, identity, has_elements)

    def _once(self, el: Element, tag: str, parent: str) -> None:
        self.report(el, 12200, f"{self._label(tag)} may appear only once in {self._label(parent)}")

    def _identity(self, el: Element) -> str | None:
        if len(el.attrib):
            for name in el.attrib:
                self._unknown_attribute(el, _IDENTITY_SPEC, name)
        text = (el.text or "").strip()
        if not text:
            self.report(el, 12200, f"{self._label('Identity')} requires text: the client name")
            return None
        return text

    def _misplaced(self, el: Element, tag: str, spec: ElementSpec) -> None:
        parent = self._label(spec.tag)
        label = self._label(tag)
        allowed = spec.allowed
        code = _MISPLACED_CODE.get(spec.tag, 12200)
        if tag in ELEMENTS or tag == "Identity" or (tag in n.SSML_ATTRIBUTES and spec.cls is not n.Say):
            if not allowed:
                message = f"{label} is not allowed inside {parent}; {parent} takes no child elements"
            else:
                message = f"{label} is not allowed inside {parent}; allowed: {self._names(allowed)}"
            self.report(el, code, message)
            return
        if tag in names.USSD_ELEMENTS:
            self.report(el, 12200, f"{label}: USSD verbs are not supported")
            return
        if tag in names.TWIML_ELEMENTS:
            kind = "verb" if spec.tag in ("Response", "Gather") else "noun"
            self.report(el, 12200, f"{label} is a TwiML {kind} that rcml does not support")
            return
        suggestion, by_case = suggest(tag, allowed, names.ALL_TAGS)
        hint = f"allowed here: {self._names(allowed)}"
        if suggestion and by_case:
            message = (
                f"unknown element {label} in {parent}: names are case-sensitive, "
                f"did you mean {self._label(suggestion)}? {hint}"
            )
        elif suggestion:
            message = f"unknown element {label} in {parent}; did you mean {self._label(suggestion)}? {hint}"
        else:
            message = f"unknown element {label} in {parent}; {hint}"
        self.report(el, 12200, message)

    def _text(
        self,
        el: Element,
        spec: ElementSpec,
        rule: n.TextRule,
        text: str,
        kwargs: dict[str, Any],
        alias_value: str | None,
        identity: str | None,
        has_elements: bool,
    ) -> None:
        label = self._label(spec.tag)
        assert spec.text_field is not None
        if rule.alias is not None:
            given = [value for value in (alias_value, identity) if value is not None]
            if text and has_elements:
                self.report(el, 12200, f"{label} with child elements takes its target in the "
                            f"{self.dialect.attribute(rule.alias)} attribute, not as text")  # fmt: skip
                return
            if text and given:
                self.report(el, 12200, f"{label} has both text and a {self.dialect.attribute(rule.alias)}"
                            "; give only one")  # fmt: skip
                return
            if len(given) > 1:
                self.report(el, 12200, f"{label} has both a {self.dialect.attribute(rule.alias)} "
                            f"attribute and {self._label('Identity')}; give only one")  # fmt: skip
                return
            if given:
                text = given[0]
        if rule.kind == "dial":
            return
        if not text:
            if rule.required and not (spec.cls is n.Play and "digits" in kwargs):
                what = _TEXT_WHAT.get(spec.tag) or _TEXT_NEEDS.get(rule.kind, "text")
                if rule.alias:
                    what += f", as text or in the {self.dialect.attribute(rule.alias)} attribute"
                self.report(el, rule.missing_code, f"{label} requires text: {what}")
            kwargs[spec.text_field] = ""
            return
        kind = _TARGET_KINDS.get(rule.kind)
        try:
            if kind is not None:
                text = targets.normalize(kind, text)
            elif rule.kind == "url":
                text = v.URL.parse(text)
            elif rule.check is not None:
                text = rule.check.parse(text)
        except targets.TargetError as problem:
            self.report(el, rule.code, f"{label}: {problem.message}")
            return
        except v.ValueProblem as problem:
            self.report(el, rule.code, f"{label} text: {_text_problem(problem, text)}")
            return
        kwargs[spec.text_field] = text

    # --- Say and SSML --------------------------------------------------------------------------

    def _say_content(self, el: Element, kwargs: dict[str, Any]) -> None:
        content = self._mixed(el, "Say")
        if any(not isinstance(item, str) for item in content):
            kwargs["ssml"] = _trim_ends(content)
        else:
            kwargs["text"] = " ".join("".join(content).split())  # type: ignore[arg-type]

    def _mixed(self, el: Element, parent: str) -> list[str | n.Ssml]:
        content: list[str | n.Ssml] = []
        if el.text:
            content.append(el.text)
        for child in el:
            tag = child.tag
            if isinstance(tag, str):
                tag = _local(tag)
                if tag in n.SSML_ATTRIBUTES:
                    node = self._ssml(child, tag)
                    if node is not None:
                        content.append(node)
                else:
                    self._misplaced(child, tag, ELEMENTS["Say"])
            if child.tail:
                content.append(child.tail)
        return _collapse(content)

    def _ssml(self, el: Element, tag: str) -> n.Ssml | None:
        before = len(self.problems)
        allowed = n.SSML_ATTRIBUTES[tag]
        attributes: dict[str, str] = {}
        for name, raw in el.attrib.items():
            shown = "xml:" + name[len(XML_NS) :] if name.startswith(XML_NS) else name
            if shown in allowed:
                attributes[shown] = raw.strip()
                continue
            label = self._label(tag)
            suggestion, _ = suggest(shown, allowed)
            if not allowed:
                hint = f"{label} takes no attributes"
            elif suggestion:
                hint = f"did you mean {self.dialect.attribute(suggestion)}?"
            else:
                hint = "allowed: " + ", ".join(allowed)
            self.report(el, 12200, f"unknown attribute {self.dialect.attribute(shown)} on {label}; {hint}", name)
        content = self._mixed(el, tag)
        if any(p.is_error for p in self.problems[before:]):
            return None
        ordered = tuple((name, attributes[name]) for name in allowed if name in attributes)
        return n.Ssml(name=tag, attributes=ordered, content=tuple(content), span=self.locator.span(el))

    # --- Dial ----------------------------------------------------------------------------------

    def _dial(self, el: Element, kwargs: dict[str, Any]) -> None:
        text = _element_text(el)
        label = self._label("Dial")
        child_tags = [_local(c.tag) for c in el if isinstance(c.tag, str)]
        dialable = sum(tag in n.DIALABLE for tag in child_tags)
        rooms = [tag for tag in child_tags if tag in ("Conference", "Queue")]
        if text and child_tags:
            self.report(el, 13215, f"{label} has both text and nouns; put the target in a "
                        f"{self._label('Number')}, {self._label('Client')} or {self._label('Sip')}")  # fmt: skip
            return
        if text:
            kind = targets.shorthand_kind(text)
            if kind == "sip" and not text.lower().startswith(("sip:", "sips:")):
                text = "sip:" + text
            try:
                target = targets.normalize(kind, text)
            except targets.TargetError as problem:
                code = 13243 if kind == "sip" else 13223 if kind == "number" else 12200
                self.report(el, code, f"{label}: {problem.message}")
                return
            noun = _SHORTHAND_NOUN[kind]
            kwargs["nouns"] = (noun(**{_TARGET_FIELD[kind]: target, "span": kwargs["span"]}),)
            return
        if not child_tags:
            self.report(el, 13215, f"{label} needs a target: text such as +15551234567, or a "
                        f"{self._label('Number')}, {self._label('Client')}, {self._label('Sip')}, "
                        f"{self._label('Conference')} or {self._label('Queue')}")  # fmt: skip
            return
        if rooms and (len(rooms) > 1 or dialable):
            self.report(el, 13215, f"{self._label(rooms[0])} must be the only noun in {label}")
        elif dialable > 10:
            self.report(el, 13215, f"{label} has {dialable} numbers, clients and SIP URIs; "
                        "at most 10 are allowed")  # fmt: skip

    # --- whole-sequence warnings ---------------------------------------------------------------

    def _sequence_warnings(self, el: Element) -> None:
        elements = [c for c in el if isinstance(c.tag, str)]
        seen_other = False
        ended_by: str | None = None
        for child in elements:
            tag = _local(child.tag)
            if ended_by is not None:
                self.report(child, 99002, f"{self._label(tag)} is unreachable: it follows "
                            f"{self._label(ended_by)}", severity="warning")  # fmt: skip
                break
            if tag == "Reject" and seen_other:
                self.report(child, 99001, f"{self._label('Reject')} after other verbs runs on an "
                            "answered call and will be skipped", severity="warning")  # fmt: skip
            if tag not in ("Pause", "Reject"):
                seen_other = True
            if tag in ("Hangup", "Redirect"):
                ended_by = tag


_IDENTITY_SPEC = ElementSpec("Identity", n.Node, {}, None, None, None, (), {}, ())


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[1] if tag[0] == "{" else tag


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


def _text_problem(problem: v.ValueProblem, text: str) -> str:
    message = str(problem)
    if len(text) > 40:
        # Do not echo long bodies back; say how long they were.
        message = message.rsplit(", got ", 1)[0] + f", got {len(text)} characters"
    return message


def build_document(root: Element, locator: Locator, dialect: Dialect = XML_DIALECT
                   ) -> tuple[n.Response | None, list[Problem]]:  # fmt: skip
    """Build the AST of a parsed tree; returns the document (None on errors) and every problem."""
    builder = Builder(locator, dialect)
    doc = builder.document(root)
    problems = sort_problems(builder.problems)
    if any(p.is_error for p in problems):
        doc = None
    return doc, problems
