"""The canonical XML writer: one field-driven path plus a few named overrides; deterministic output.

Canonical form: an XML declaration, two-space indentation, attributes in table order with defaults
left out, text inline (`<Say>Hi</Say>`), childless elements self-closed, a final newline.
`parse_xml(to_xml(doc)) == doc` for every valid document, and canonical text is a fixed point:
`to_xml(parse_xml(text)) == text` (tests/test_roundtrip.py checks both on random documents).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from rcml import nodes as n
from rcml import values as v
from rcml.names import ELEMENTS, SPEC_OF, ElementSpec

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


_TEXT_NEEDS_ESCAPE = re.compile("[&<>\r]")


def escape_text(text: str) -> str:
    """Element text as XML: markup characters and CR escaped ('>' too, so "]]>" never appears)."""
    if _TEXT_NEEDS_ESCAPE.search(text) is None:
        return text  # most texts: a search is cheaper than a translate
    return text.translate(_TEXT_ESCAPES)


def escape_attribute(value: str) -> str:
    """A double-quoted attribute value as XML: markup, quotes, tab, LF and CR escaped."""
    return value.translate(_ATTR_ESCAPES)


_NEEDS_ESCAPE = re.compile('[&<>"\t\n\r]')


def _attributes(pairs: list[tuple[str, str]]) -> str:
    return "".join(f' {name}="{escape_attribute(value)}"' for name, value in pairs)


def _quoted(value: str) -> str:
    """An attribute value in quotes, escaped only when it has something to escape."""
    if _NEEDS_ESCAPE.search(value) is None:
        return '"' + value + '"'
    return '"' + value.translate(_ATTR_ESCAPES) + '"'


def _compile_attribute_writer(spec: ElementSpec) -> Callable[[n.Node], str]:
    """Generate `write(node) -> ' a="1" b="x"'` for one element, defaults left out.

    Writing is a hot path (a server renders documents per request), so each class gets straight-line
    code: one attribute read and one comparison with the default per field, formatted by type.
    """
    lines = ["def write(node):", "    out = ''"]
    scope: dict[str, object] = {"quoted": _quoted}
    for index, attr in enumerate(spec.attrs.values()):
        default = f"d{index}"
        scope[default] = attr.default
        kind = type(attr.type)
        if kind is v.Bool:
            text = "('\"true\"' if value else '\"false\"')"
        elif kind in (v.Int, v.IntOrWord):
            text = "'\"' + str(value) + '\"'"
        elif kind is v.WordSet:
            text = "'\"' + ' '.join(value) + '\"'"
        else:
            text = "quoted(value)"
        lines.append(f"    value = node.{attr.field}")
        condition = "True" if attr.required else f"value != {default}"
        lines.append(f"    if {condition}: out += ' {attr.xml}=' + {text}")
    lines.append("    return out")
    exec("\n".join(lines), scope)  # noqa: S102 - code generated from the naming table only
    return scope["write"]  # type: ignore[return-value]


_ATTRIBUTE_WRITERS: dict[type[n.Node], Callable[[n.Node], str]] = {
    spec.cls: _compile_attribute_writer(spec) for spec in ELEMENTS.values()
}


# What `generic` needs of each class, looked up once per node:
# (tag, attribute writer, single-child fields, children field, text field).
_PLANS: dict[
    type[n.Node],
    tuple[str, Callable[[n.Node], str], tuple[str, ...], str | None, str | None],
] = {
    spec.cls: (
        spec.tag,
        _ATTRIBUTE_WRITERS[spec.cls],
        tuple(spec.single_children.values()),
        spec.children_field,
        spec.text_field,
    )
    for spec in ELEMENTS.values()
}


def attribute_text(node: n.Node) -> str:
    """The canonical attributes of a node (` name="value"` each, defaults left out)."""
    return _ATTRIBUTE_WRITERS[type(node)](node)


def dial_shorthand(dial: n.Dial) -> str | None:
    """The Dial text that stands for its only noun, when that noun has nothing but a target."""
    if len(dial.nouns) != 1:
        return None
    noun = dial.nouns[0]
    kind = type(noun)
    if kind not in (n.Number, n.Client, n.Sip) or _ATTRIBUTE_WRITERS[kind](noun):
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

    def generic(self, node: n.Node, depth: int, text: str | None = None, extra: str = "") -> None:
        tag, write_attributes, singles, children_field, text_field = _PLANS[type(node)]
        attributes = extra + write_attributes(node)
        kids: list[n.Node] = []
        for field in singles:
            single = getattr(node, field)
            if single is not None:
                kids.append(single)
        if children_field:
            kids.extend(getattr(node, children_field))
        if text is None and text_field and not kids:
            text = getattr(node, text_field)
        self.element(tag, attributes, text or "", kids, depth)

    def element(self, tag: str, attributes: str, text: str, kids: list[n.Node],
                depth: int) -> None:  # fmt: skip
        pad = INDENT * depth
        if kids:
            self.lines.append(f"{pad}<{tag}{attributes}>")
            for kid in kids:
                self.write(kid, depth + 1)
            self.lines.append(f"{pad}</{tag}>")
        elif text:
            self.lines.append(f"{pad}<{tag}{attributes}>{escape_text(text)}</{tag}>")
        else:
            self.lines.append(f"{pad}<{tag}{attributes}/>")

    # --- overrides -----------------------------------------------------------------------------

    def say(self, node: n.Node, depth: int) -> None:
        assert isinstance(node, n.Say)
        if not node.ssml:
            self.generic(node, depth)
            return
        body = "".join(_ssml(item) for item in node.ssml)
        self.lines.append(f"{INDENT * depth}<Say{attribute_text(node)}>{body}</Say>")

    def dial(self, node: n.Node, depth: int) -> None:
        assert isinstance(node, n.Dial)
        shorthand = dial_shorthand(node)
        if shorthand is None:
            self.generic(node, depth)
            return
        self.element("Dial", attribute_text(node), shorthand, [], depth)

    def named_target(self, node: n.Node, depth: int) -> None:
        """Client, Sip and Conference: the target is text, or `name` when there are children."""
        spec = SPEC_OF[type(node)]
        assert spec.text_field is not None
        target = getattr(node, spec.text_field)
        has_kids = any(getattr(node, field) for field in spec.single_children.values()) or bool(
            spec.children_field and getattr(node, spec.children_field)
        )
        if has_kids:
            self.generic(node, depth, extra=" name=" + _quoted(target))
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
