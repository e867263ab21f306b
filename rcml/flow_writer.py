"""The canonical flow writer: one field-driven path plus named overrides; deterministic output.

Canonical form: one statement per line, four-space blocks, the keyword, then the text as a quoted
string, then the attributes in table order with defaults left out, values bare when the grammar
allows it and quoted otherwise. Text with line breaks and Say's SSML are written as blocks of
`text "..."` lines. `parse_flow(to_flow(doc)) == doc` for every document, and the writer mirrors
`rcml.xml_writer` wherever XML has a choice (the Dial shorthand, a target in `name=` when there
are children), so converting between the syntaxes never changes the document.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from rcml import nodes as n
from rcml.flow_reader import TEXT_KEYWORD, keyword_of
from rcml.names import SPEC_OF, non_defaults
from rcml.xml_writer import dial_shorthand

INDENT = "    "

# Must accept exactly what BARE_VALUE in grammar/flow.lark accepts (the tests check every ASCII
# character against the reader).
_BARE = re.compile(r"[A-Za-z0-9_.+\-*/@,%]+")
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}
# Escaped as \uXXXX: controls, and what `str.splitlines` would take for a line break.
_UNSAFE = re.compile('["\\\\\x00-\x1f\x7f-\x9f\u2028\u2029]')
_LINES = re.compile(r"[^\n]*\n|[^\n]+")


def quote(text: str) -> str:
    """A double-quoted string literal of the DSL."""
    return '"' + _UNSAFE.sub(_escape, text) + '"'


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    return _ESCAPES.get(char) or f"\\u{ord(char):04x}"


def value(raw: str) -> str:
    """An attribute value: bare when the grammar reads it back unchanged, quoted otherwise."""
    return raw if _BARE.fullmatch(raw) else quote(raw)


def _attributes(pairs: list[tuple[str, str]]) -> str:
    return "".join(f" {name}={value(raw)}" for name, raw in pairs)


def _pairs(node: n.Node) -> list[tuple[str, str]]:
    return [(attr.xml, attr.format(raw)) for attr, raw in non_defaults(node)]


class FlowWriter:
    """Writes nodes as canonical flow lines; per-node overrides live in _OVERRIDES."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def write(self, node: n.Node, depth: int) -> None:
        override = _OVERRIDES.get(type(node))
        if override is not None:
            override(self, node, depth)
        else:
            self.generic(node, depth)

    def generic(
        self,
        node: n.Node,
        depth: int,
        text: str | None = None,
        extra: list[tuple[str, str]] | None = None,
    ) -> None:
        spec = SPEC_OF[type(node)]
        pairs = _pairs(node)
        if extra:
            pairs = extra + pairs
        kids: list[n.Node] = [
            getattr(node, field) for field in spec.single_children.values() if getattr(node, field)
        ]
        if spec.children_field:
            kids.extend(getattr(node, spec.children_field))
        if text is None and spec.text_field and not kids:
            text = getattr(node, spec.text_field)
        self.statement(keyword_of(spec.tag), pairs, text or "", kids, depth)

    def statement(
        self, keyword: str, pairs: list[tuple[str, str]], text: str, kids: list[n.Node], depth: int
    ) -> None:
        pad = INDENT * depth
        if kids:
            self.lines.append(f"{pad}{keyword}{_attributes(pairs)}:")
            for kid in kids:
                self.write(kid, depth + 1)
        elif "\n" in text:
            # One text line per source line keeps long bodies readable; the pieces join back.
            self.lines.append(f"{pad}{keyword}{_attributes(pairs)}:")
            self.text_lines(_LINES.findall(text), depth + 1)
        elif text:
            self.lines.append(f"{pad}{keyword} {quote(text)}{_attributes(pairs)}")
        else:
            self.lines.append(f"{pad}{keyword}{_attributes(pairs)}")

    def text_lines(self, pieces: list[str], depth: int) -> None:
        pad = INDENT * depth
        self.lines.extend(f"{pad}{TEXT_KEYWORD} {quote(piece)}" for piece in pieces)

    # --- overrides -----------------------------------------------------------------------------

    def say(self, node: n.Node, depth: int) -> None:
        assert isinstance(node, n.Say)
        if not node.ssml:
            self.generic(node, depth)
            return
        self.lines.append(f"{INDENT * depth}say{_attributes(_pairs(node))}:")
        self.mixed(node.ssml, depth + 1)

    def mixed(self, content: tuple[str | n.Ssml, ...], depth: int) -> None:
        """SSML content: texts as `text` lines, elements as statements, in document order."""
        for item in content:
            if isinstance(item, str):
                self.text_lines([item], depth)
            else:
                self.ssml(item, depth)

    def ssml(self, item: n.Ssml, depth: int) -> None:
        head = f"{INDENT * depth}{item.name}"
        attributes = _attributes(list(item.attributes))
        content = item.content
        if not content:
            self.lines.append(head + attributes)
        elif len(content) == 1 and isinstance(content[0], str):
            self.lines.append(f"{head} {quote(content[0])}{attributes}")
        else:
            self.lines.append(f"{head}{attributes}:")
            self.mixed(content, depth + 1)

    def dial(self, node: n.Node, depth: int) -> None:
        assert isinstance(node, n.Dial)
        shorthand = dial_shorthand(node)
        if shorthand is None:
            self.generic(node, depth)
        else:
            self.statement("dial", _pairs(node), shorthand, [], depth)

    def named_target(self, node: n.Node, depth: int) -> None:
        """Client, Sip and Conference: the target is text, or `name=` when there are children."""
        spec = SPEC_OF[type(node)]
        assert spec.text_field is not None
        target = getattr(node, spec.text_field)
        has_kids = any(getattr(node, field) for field in spec.single_children.values()) or bool(
            spec.children_field and getattr(node, spec.children_field)
        )
        if has_kids:
            self.generic(node, depth, extra=[("name", target)])
        else:
            self.generic(node, depth, text=target)

    def response(self, node: n.Node, depth: int) -> None:
        assert isinstance(node, n.Response)
        for verb in node.verbs:
            self.write(verb, depth)


_OVERRIDES: dict[type[n.Node], Callable[[FlowWriter, n.Node, int], None]] = {
    n.Response: FlowWriter.response,
    n.Say: FlowWriter.say,
    n.Dial: FlowWriter.dial,
    n.Client: FlowWriter.named_target,
    n.Sip: FlowWriter.named_target,
    n.Conference: FlowWriter.named_target,
}


def to_flow(doc: n.Response) -> str:
    """The canonical flow text of a document (a lone newline for a document without verbs)."""
    writer = FlowWriter()
    writer.write(doc, 0)
    return "\n".join(writer.lines) + "\n"
