"""The canonical XML writer: one field-driven path plus a few named overrides; deterministic output.

Canonical form: an XML declaration, two-space indentation, attributes in table order with defaults
left out, text inline (`<Say>Hi</Say>`), childless elements self-closed, a final newline.
`parse_xml(to_xml(doc)) == doc` for every valid document, and canonical text is a fixed point:
`to_xml(parse_xml(text)) == text` (tests/test_roundtrip.py checks both on random documents).
"""

from __future__ import annotations

from rcml import nodes as n
from rcml.names import SPEC_OF, non_defaults

DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'
INDENT = "  "

# A parser turns a literal CR (or CRLF) into LF, and in attribute values also tab and LF into a
# space; written as character references they survive as themselves.
_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_ATTR_ESCAPES = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&quot;",
        "\t": "&#9;",
        "\n": "&#10;",
        "\r": "&#13;",
    }
)


def escape_text(text: str) -> str:
    """Element text as XML: markup characters and CR escaped ('>' too, so "]]>" never appears)."""
    return text.translate(_TEXT_ESCAPES)


def escape_attribute(value: str) -> str:
    """A double-quoted attribute value as XML: markup, quotes, tab, LF and CR escaped."""
    return value.translate(_ATTR_ESCAPES)


def _attributes(pairs: list[tuple[str, str]]) -> str:
    return "".join(f' {name}="{escape_attribute(value)}"' for name, value in pairs)


def dial_shorthand(dial: n.Dial) -> str | None:
    """The Dial text that stands for its only noun, when that noun has nothing but a target."""
    if len(dial.nouns) != 1:
        return None
    noun = dial.nouns[0]
    kind = type(noun)
    if kind not in (n.Number, n.Client, n.Sip) or non_defaults(noun):
        return None
    if isinstance(noun, n.Number):
        return noun.number
    if isinstance(noun, n.Client):
        return None if noun.video or noun.parameters else "client:" + noun.name
    if isinstance(noun, n.Sip):
        return None if noun.video else noun.uri
    return None


class XmlWriter:
    """Writes nodes as canonical XML lines; `<tag>_xml`-style overrides live in OVERRIDES."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def write(self, node: n.Node, depth: int) -> None:
        override = _OVERRIDES.get(type(node))
        if override is not None:
            override(self, node, depth)
        else:
            self.generic(node, depth)

    def generic(self, node: n.Node, depth: int, text: str | None = None,
                extra: list[tuple[str, str]] | None = None) -> None:  # fmt: skip
        spec = SPEC_OF[type(node)]
        pairs = [(attr.xml, attr.format(value)) for attr, value in non_defaults(node)]
        if extra:
            pairs = extra + pairs
        kids: list[n.Node] = [
            getattr(node, field) for field in spec.single_children.values() if getattr(node, field)
        ]
        if spec.children_field:
            kids.extend(getattr(node, spec.children_field))
        if text is None and spec.text_field and not kids:
            text = getattr(node, spec.text_field)
        self.element(spec.tag, pairs, text or "", kids, depth)

    def element(self, tag: str, pairs: list[tuple[str, str]], text: str, kids: list[n.Node],
                depth: int) -> None:  # fmt: skip
        pad = INDENT * depth
        head = f"{pad}<{tag}{_attributes(pairs)}"
        if kids:
            self.lines.append(head + ">")
            for kid in kids:
                self.write(kid, depth + 1)
            self.lines.append(f"{pad}</{tag}>")
        elif text:
            self.lines.append(f"{head}>{escape_text(text)}</{tag}>")
        else:
            self.lines.append(head + "/>")

    # --- overrides -----------------------------------------------------------------------------

    def say(self, node: n.Node, depth: int) -> None:
        assert isinstance(node, n.Say)
        if not node.ssml:
            self.generic(node, depth)
            return
        pairs = [(attr.xml, attr.format(value)) for attr, value in non_defaults(node)]
        body = "".join(_ssml(item) for item in node.ssml)
        self.lines.append(f"{INDENT * depth}<Say{_attributes(pairs)}>{body}</Say>")

    def dial(self, node: n.Node, depth: int) -> None:
        assert isinstance(node, n.Dial)
        shorthand = dial_shorthand(node)
        if shorthand is None:
            self.generic(node, depth)
            return
        pairs = [(attr.xml, attr.format(value)) for attr, value in non_defaults(node)]
        self.element("Dial", pairs, shorthand, [], depth)

    def named_target(self, node: n.Node, depth: int) -> None:
        """Client, Sip and Conference: the target is text, or `name` when there are children."""
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


def _ssml(item: str | n.Ssml) -> str:
    if isinstance(item, str):
        return escape_text(item)
    head = f"<{item.name}{_attributes(list(item.attributes))}"
    if not item.content:
        return head + "/>"
    return f"{head}>{''.join(_ssml(part) for part in item.content)}</{item.name}>"


_OVERRIDES = {
    n.Say: XmlWriter.say,
    n.Dial: XmlWriter.dial,
    n.Client: XmlWriter.named_target,
    n.Sip: XmlWriter.named_target,
    n.Conference: XmlWriter.named_target,
}


def to_xml(doc: n.Response) -> str:
    """The canonical XML text of a document."""
    writer = XmlWriter()
    writer.write(doc, 0)
    return DECLARATION + "\n" + "\n".join(writer.lines) + "\n"
