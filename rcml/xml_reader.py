"""The XML reader: hardened lxml parsing (no DTD, no entities, no network, bounded size) into the AST."""

from __future__ import annotations

import bisect
import re
import threading

from lxml import etree

from rcml import nodes as n
from rcml.errors import Problem, RcmlError
from rcml.validate import XML_NS, Element, build_document

MAX_DOCUMENT_BYTES = 1024 * 1024

_local = threading.local()


def _parser(forced_utf8: bool) -> etree.XMLParser:
    """One parser per thread and mode: lxml parsers must not be shared between threads."""
    key = "utf8" if forced_utf8 else "auto"
    parser = getattr(_local, key, None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
            remove_comments=False,
            remove_pis=False,
            encoding="utf-8" if forced_utf8 else None,
        )
        setattr(_local, key, parser)
    return parser


# libxml2's words for common mistakes, said the way an author needs to hear them.
_HINTS: tuple[tuple[str, str], ...] = (
    ("xmlParseEntityRef: no name", "a bare '&' is not allowed in XML; write '&amp;'"),
    ("EntityRef: expecting ';'", "a bare '&' is not allowed in XML; write '&amp;'"),
    ("Document is empty", "the document is empty; expected <Response>"),
    ("Start tag expected, '<' not found", "not an XML document: expected <Response>"),
    ("Excessive depth in document", "elements are nested more than 256 levels deep"),
    ("Extra content at the end of the document", "extra content after the root element; "
     "a document has exactly one root element, <Response>"),  # fmt: skip
    ("XML declaration allowed only at the start of the document",
     "the XML declaration must come first in the document"),  # fmt: skip
)
_UNDEFINED_ENTITY = re.compile(r"Entity '([^']+)' not defined")


def _friendly(message: str) -> str:
    message = message.strip()
    for prefix, hint in _HINTS:
        if message.startswith(prefix):
            return hint
    match = _UNDEFINED_ENTITY.match(message)
    if match:
        return (
            f"undefined entity '&{match.group(1)};': XML knows only &amp; &lt; &gt; &quot; &apos;"
            " and numeric references such as &#160;"
        )
    return message[0].lower() + message[1:] if message else "malformed XML"


def _prepare(source: str | bytes) -> tuple[bytes, bool, int]:
    """The bytes to parse, whether to force UTF-8, and how many lines of leading space were cut.

    A leading byte-order mark and whitespace before the first tag are ignored (libxml2 refuses
    whitespace before an XML declaration), but line numbers must still point into the source.
    """
    if isinstance(source, str):
        data = source.lstrip("\ufeff").encode("utf-8", "surrogatepass")
        forced = True
    else:
        data = source
        forced = False
    bom = b""
    if data.startswith(b"\xef\xbb\xbf"):
        bom, data = data[:3], data[3:]
    stripped = data.lstrip(b" \t\r\n")
    if stripped is not data and stripped.startswith(b"<?xml"):
        cut = len(data) - len(stripped)
        return bom + stripped, forced, data[:cut].count(b"\n")
    return bom + data, forced, 0


def _decode(data: bytes, encoding: str | None) -> str:
    try:
        return data.decode(encoding or "utf-8", "replace")
    except LookupError:
        return data.decode("utf-8", "replace")


_START_TAG = re.compile(
    r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<!DOCTYPE(?:[^>\[]|\[.*?\])*>|<([^\s/>!?][^\s/>]*)",
    re.S,
)
_ATTRIBUTE = re.compile(r"""\s([^\s=/>]+)\s*=\s*(?:"[^"]*"|'[^']*')|(/?>)""")


class XmlLocator:
    """Positions of a parsed XML document's elements; exact columns are found only when asked."""

    def __init__(self, filename: str | None, data: bytes, root: Element, line_offset: int,
                 encoding: str | None) -> None:  # fmt: skip
        self.filename = filename
        self._data = data
        self._root = root
        self._offset = line_offset
        self._encoding = encoding
        self._starts: dict[Element, int] | None = None
        self._text = ""
        self._line_starts: list[int] = []

    def span(self, element: Element) -> n.Span:
        return n.Span(self.filename, (element.sourceline or 1) + self._offset)

    def position(self, element: Element, attribute: str | None = None) -> tuple[int, int | None]:
        starts = self._scan()
        start = starts.get(element)
        if start is None:
            return (element.sourceline or 1) + self._offset, None
        if attribute is not None:
            wanted = "xml:" + attribute[len(XML_NS) :] if attribute.startswith(XML_NS) else attribute
            for match in _ATTRIBUTE.finditer(self._text, start):
                if match.group(2):
                    break
                if match.group(1) == wanted:
                    return self._line_col(match.start(1))
        return self._line_col(start)

    def offset_position(self, needle: str) -> tuple[int, int | None]:
        """Where `needle` first occurs in the source (for problems found outside elements)."""
        self._scan()
        index = self._text.find(needle)
        return self._line_col(index) if index >= 0 else (1 + self._offset, None)

    def _line_col(self, index: int) -> tuple[int, int]:
        line = bisect.bisect_right(self._line_starts, index)
        return line + self._offset, index - self._line_starts[line - 1] + 1

    def _scan(self) -> dict[Element, int]:
        if self._starts is not None:
            return self._starts
        self._text = _decode(self._data, self._encoding).lstrip("\ufeff")
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", self._text)]
        offsets = [m.start() for m in _START_TAG.finditer(self._text) if m.group(1)]
        elements = list(self._root.iter(etree.Element))
        self._starts = dict(zip(elements, offsets, strict=False)) if len(offsets) == len(elements) else {}
        return self._starts


def check_xml(source: str | bytes, filename: str | None = None
              ) -> tuple[n.Response | None, list[Problem]]:  # fmt: skip
    """Parse and validate an RCML XML document: (document or None, every problem found)."""
    size = len(source.encode("utf-8", "surrogatepass")) if isinstance(source, str) else len(source)
    if size > MAX_DOCUMENT_BYTES:
        message = f"the document is {size:,} bytes; the limit is 1 MiB ({MAX_DOCUMENT_BYTES:,} bytes)"
        return None, [Problem(filename, 1, None, 12100, message)]
    data, forced, line_offset = _prepare(source)
    try:
        root = etree.fromstring(data, _parser(forced))
    except etree.XMLSyntaxError as exc:
        return None, [_syntax_problem(exc, filename, line_offset)]
    if root is None:
        return None, [Problem(filename, 1, None, 12100, "the document is empty; expected <Response>")]
    docinfo = root.getroottree().docinfo
    locator = XmlLocator(filename, data, root, line_offset, None if forced else docinfo.encoding)
    if docinfo.doctype or docinfo.internalDTD is not None:
        line, col = locator.offset_position("<!DOCTYPE")
        message = "DOCTYPE declarations are not allowed: RCML documents take no DTD and no entities"
        return None, [Problem(filename, line, col, 12100, message)]
    problems = _namespace_problems(root, locator, data)
    doc, more = build_document(root, locator)
    problems.extend(more)
    if problems and any(p.is_error for p in problems):
        doc = None
    return doc, sorted(problems, key=Problem.sort_key)


def _syntax_problem(exc: etree.XMLSyntaxError, filename: str | None, line_offset: int) -> Problem:
    entries = [entry for entry in exc.error_log if entry.level_name in ("ERROR", "FATAL")]
    if entries:
        entry = entries[0]
        line, col, message = entry.line, entry.column, entry.message
    else:
        line, col = exc.position if exc.position else (1, 0)
        message = str(exc.msg) if exc.msg else "malformed XML"
    return Problem(filename, max(line, 1) + line_offset, col or None, 12100, _friendly(message))


def _namespace_problems(root: Element, locator: XmlLocator, data: bytes) -> list[Problem]:
    if b"xmlns" not in data:
        return []
    problems = []
    parent_map: dict[str | None, str] = {}
    for el in root.iter(etree.Element):
        parent = el.getparent()
        inherited = parent.nsmap if parent is not None else parent_map
        for prefix, uri in el.nsmap.items():
            if inherited.get(prefix) != uri:
                name = "xmlns" if prefix is None else f"xmlns:{prefix}"
                line, col = locator.position(el, name)
                message = f"namespace declaration {name}=\"{uri}\" is not allowed: RCML elements " \
                    "and attributes are not in a namespace"  # fmt: skip
                problems.append(Problem(locator.filename, line, col, 12200, message))
    return problems


def parse_xml(source: str | bytes, filename: str | None = None) -> n.Response:
    """Parse and validate RCML XML; raises RcmlError listing every error."""
    doc, problems = check_xml(source, filename)
    if doc is None:
        raise RcmlError([p for p in problems if p.is_error])
    return doc
