"""The XML reader: hardened lxml parsing (no DTD, entities or network; bounded size) to the AST."""

from __future__ import annotations

import bisect
import codecs
import re
import threading
from collections.abc import Callable
from typing import NamedTuple

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


# --- libxml2's messages, said the way an author needs to hear them ------------------------------

_BARE_AMPERSAND = "a bare '&' is not allowed in XML; write '&amp;'"
_NOT_XML = "not an XML document: expected <Response>"


def _char(match: re.Match[str]) -> str:
    value = match.group(1)
    code = int(value, 16) if value.startswith("0x") else int(value)
    return f"character U+{code:04X} is not allowed in XML"


_FRIENDLY: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = tuple(
    (re.compile(pattern), render)
    for pattern, render in (
        (r"xmlParseEntityRef: no name", lambda m: _BARE_AMPERSAND),
        (r"EntityRef: expecting ';'", lambda m: _BARE_AMPERSAND),
        (
            r"Entity '([^']+)' not defined",
            lambda m: (
                f"undefined entity '&{m.group(1)};': XML knows only &amp; &lt; &gt; "
                "&quot; &apos; and numeric references such as &#160;"
            ),
        ),
        (r"Document is empty", lambda m: "the document is empty; expected <Response>"),
        (r"Start tag expected, '<' not found", lambda m: _NOT_XML),
        (r"Excessive depth in document", lambda m: "elements are nested more than 256 levels deep"),
        (
            r"Extra content at the end of the document",
            lambda m: (
                "extra content after the root element; a document has exactly one root "
                "element, <Response>"
            ),
        ),
        (
            r"XML declaration allowed only at the start of the document",
            lambda m: "the XML declaration must come first in the document",
        ),
        (
            r"Opening and ending tag mismatch: (\S+) line (\d+) and unparsable",
            lambda m: (
                f"an end tag without a name cannot close <{m.group(1)}> "
                f"(opened on line {m.group(2)})"
            ),
        ),
        (
            r"Opening and ending tag mismatch: (\S+) line (\d+) and (\S+)",
            lambda m: (
                f"mismatched tag: </{m.group(3)}> cannot close <{m.group(1)}> "
                f"(opened on line {m.group(2)})"
            ),
        ),
        (
            r"Premature end of data in tag (\S+) line (\d+)",
            lambda m: (
                f"the document ends before <{m.group(1)}> (opened on line {m.group(2)}) is closed"
            ),
        ),
        (
            r"Specification mandates value for attribute (\S+)",
            lambda m: f"attribute '{m.group(1)}' has no value; write {m.group(1)}=\"...\"",
        ),
        (r"Attribute (\S+) redefined", lambda m: f"attribute '{m.group(1)}' is given twice"),
        (
            r"AttValue: \" or ' expected",
            lambda m: "attribute values must be in straight quotes, \"...\" or '...'",
        ),
        (r"attributes construct error", lambda m: "attributes must be separated by spaces"),
        (
            r"Couldn't find end of Start Tag (\S+)",
            lambda m: f"the start tag <{m.group(1)}> is not closed with '>'",
        ),
        (
            r"Unescaped '<' not allowed in attributes values",
            lambda m: "a '<' is not allowed in attribute values; write '&lt;'",
        ),
        (
            r"StartTag: invalid element name",
            lambda m: "invalid element name after '<'; write '&lt;' for a literal '<'",
        ),
        (
            r"Namespace prefix (\S+) (?:for (\S+) )?on (\S+) is not defined",
            lambda m: (
                f"namespace prefix '{m.group(1)}' is not declared: RCML elements and "
                "attributes take no namespace prefix"
            ),
        ),
        (r"Invalid character: Char (0x[0-9A-Fa-f]+) out of allowed range", _char),
        (r"PCDATA invalid Char value (\d+)", _char),
        (r"xmlParseCharRef: invalid xmlChar value (\d+)", _char),
        (
            r"Invalid bytes in character encoding",
            lambda m: (
                "the bytes here are not valid in the document's encoding; save the file "
                "as UTF-8 (or declare its real encoding in the XML declaration)"
            ),
        ),
        (
            r"Unsupported encoding:? (\S+)",
            lambda m: f"unsupported encoding '{m.group(1)}' in the XML declaration; use UTF-8",
        ),
        (r"Comment not terminated", lambda m: "a comment is not closed with '-->'"),
        (r"Unregistered error message", lambda m: "malformed XML"),
    )
)


def _friendly(message: str) -> str:
    message = message.strip()
    for pattern, render in _FRIENDLY:
        match = pattern.match(message)
        if match:
            return render(match)
    return message[0].lower() + message[1:] if message else "malformed XML"


# --- input preparation -------------------------------------------------------------------------


class _Prepared(NamedTuple):
    """How the bytes handed to libxml2 map back onto the caller's source.

    `forced`: the bytes are UTF-8 whatever the declaration says (the source was a str, or UTF-16/32
    bytes decoded here). `lines_cut`/`cols_cut`: whitespace removed before an XML declaration
    (libxml2 refuses it there, the spec ignores it): whole lines, then columns on the last one.
    """

    forced: bool
    lines_cut: int = 0
    cols_cut: int = 0

    def shift(self, line: int, col: int | None) -> tuple[int, int | None]:
        if line == 1 and col is not None:
            col += self.cols_cut
        return line + self.lines_cut, col


class _Unreadable(ValueError):
    """Bytes in a UTF-16/32 encoding that do not decode; carries the problem's position."""

    def __init__(self, message: str, line: int, col: int) -> None:
        super().__init__(message)
        self.line = line
        self.col = col


_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_WIDE_WITHOUT_BOM = (
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00", "utf-16-le"),
    (b"\x00<", "utf-16-be"),
)


def _wide_encoding(data: bytes) -> tuple[str, int] | None:
    """(codec, BOM length) for UTF-16/32 input, which is decoded here rather than by libxml2."""
    for bom, codec in _WIDE_BOMS:
        if data.startswith(bom):
            return codec, len(bom)
    for start, codec in _WIDE_WITHOUT_BOM:
        if data.startswith(start):
            return codec, 0
    return None


def _decode_wide(data: bytes, codec: str, skip: int) -> str:
    try:
        return data[skip:].decode(codec)
    except UnicodeDecodeError as exc:
        good = data[skip : skip + exc.start].decode(codec)
        line = good.count("\n") + 1
        col = len(good) - (good.rfind("\n") + 1) + 1
        raise _Unreadable(f"the bytes here are not valid {codec.upper()}", line, col) from None


# Bytes parsed as they were given: nearly every document.
_AS_GIVEN = _Prepared(forced=False)


def _prepare(source: str | bytes) -> tuple[bytes, _Prepared]:
    """The bytes to parse: UTF-16/32 decoded, a leading BOM and whitespace before `<?xml` cut."""
    if isinstance(source, bytes):
        if _plain(source):
            return source, _AS_GIVEN
        wide = _wide_encoding(source)
        if wide is not None:
            source = _decode_wide(source, *wide)
    if isinstance(source, str):
        data = source.lstrip("\ufeff").encode("utf-8", "surrogatepass")
        forced = True
    else:
        data = source
        forced = False
    bom = b""
    if data.startswith(codecs.BOM_UTF8):
        bom, data = data[:3], data[3:]
    stripped = data.lstrip(b" \t\r\n")
    if stripped is not data and stripped.startswith(b"<?xml"):
        cut = data[: len(data) - len(stripped)]
        last_line = cut[cut.rfind(b"\n") + 1 :]
        return bom + stripped, _Prepared(forced, cut.count(b"\n"), len(last_line))
    return bom + data, _Prepared(forced)


def _plain(source: bytes) -> bool:
    """Bytes with nothing to cut or decode, and their markup in ASCII: they start with '<'."""
    return source[:1] == b"<" and source[1:2] != b"\x00"


# The prolog: what may stand before a DOCTYPE (BOM, whitespace, XML declaration, comments, PIs).
_PROLOG = re.compile(rb"(?:\xef\xbb\xbf)?(?:\s+|<\?.*?\?>|<!--.*?-->)*", re.S)


def _doctype_offset(data: bytes) -> int | None:
    """Where a DOCTYPE declaration starts, found before parsing so no DTD is ever read."""
    if b"<!DOCTYPE" not in data:
        return None
    prolog = _PROLOG.match(data)
    index = prolog.end() if prolog is not None else 0
    return index if data.startswith(b"<!DOCTYPE", index) else None


def _byte_position(data: bytes, index: int) -> tuple[int, int]:
    line_start = data.rfind(b"\n", 0, index) + 1
    col = len(data[line_start:index].decode("utf-8", "replace")) + 1
    return data.count(b"\n", 0, index) + 1, col


def _decode(data: bytes, encoding: str | None) -> str:
    try:
        return data.decode(encoding or "utf-8", "replace")
    except LookupError:
        return data.decode("utf-8", "replace")


def _ascii_compatible(data: bytes, prepared: _Prepared) -> bool:
    """Whether markup is plain ASCII in the bytes, so byte scans for `<!DOCTYPE`/`xmlns` work."""
    return prepared.forced or data.lstrip(b" \t\r\n\xef\xbb\xbf")[:1] == b"<"


# --- positions ---------------------------------------------------------------------------------

_START_TAG = re.compile(
    r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<!DOCTYPE(?:[^>\[]|\[.*?\])*>|<([^\s/>!?][^\s/>]*)",
    re.S,
)
_ATTRIBUTE = re.compile(r"""\s([^\s=/>]+)\s*=\s*(?:"[^"]*"|'[^']*')|(/?>)""")


class XmlLocator:
    """Positions of a parsed XML document's elements; exact columns are found only when asked.

    Lines come from lxml for free; columns need a scan of the source text, which runs only when
    the first problem is reported, so a valid document never pays for it.
    """

    __slots__ = ("filename", "_data", "_root", "_offset", "_col_offset", "_encoding", "_spans",
                 "_starts", "_text", "_line_starts")  # fmt: skip
    _text: str  # the decoded source and where its lines start: set by the scan
    _line_starts: list[int]

    def __init__(self, filename: str | None, data: bytes, root: Element, line_offset: int,
                 encoding: str | None, col_offset: int = 0) -> None:  # fmt: skip
        self.filename = filename
        self._data = data
        self._root = root
        self._offset = line_offset
        self._col_offset = col_offset
        self._encoding = encoding
        # By lxml's sourceline (None when unknown): spans are immutable, so elements on one line
        # share one.
        self._spans: dict[int | None, n.Span] = {}
        self._starts: dict[Element, int] | None = None  # the scan, made when first needed

    def span(self, element: Element) -> n.Span:
        line: int | None = element.sourceline  # type: ignore[assignment]  # lxml-stubs say "..."
        span = self._spans.get(line)
        if span is None:
            span = self._spans[line] = n.line_span(self.filename, (line or 1) + self._offset)
        return span

    def position(self, element: Element, attribute: str | None = None) -> tuple[int, int | None]:
        starts = self._scan()
        start = starts.get(element)
        if start is None:
            line: int = element.sourceline or 1  # type: ignore[assignment]  # as in span()
            return line + self._offset, None
        if attribute is not None:
            wanted = _source_names(element, attribute)
            for match in _ATTRIBUTE.finditer(self._text, start):
                if match.group(2):
                    break
                if match.group(1) in wanted:
                    return self._line_col(match.start(1))
        return self._line_col(start)

    def offset_position(self, needle: str) -> tuple[int, int | None]:
        """Where `needle` first occurs in the source (for problems found outside elements)."""
        self._scan()
        index = self._text.find(needle)
        return self._line_col(index) if index >= 0 else (1 + self._offset, None)

    def _line_col(self, index: int) -> tuple[int, int]:
        line = bisect.bisect_right(self._line_starts, index)
        col = index - self._line_starts[line - 1] + 1
        if line == 1:
            col += self._col_offset
        return line + self._offset, col

    def _scan(self) -> dict[Element, int]:
        if self._starts is not None:
            return self._starts
        encoding = self._encoding or self._root.getroottree().docinfo.encoding
        self._text = _decode(self._data, encoding).lstrip("\ufeff")
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", self._text)]
        offsets = [m.start() for m in _START_TAG.finditer(self._text) if m.group(1)]
        elements = list(self._root.iter(etree.Element))
        self._starts = (
            dict(zip(elements, offsets, strict=True)) if len(offsets) == len(elements) else {}
        )
        return self._starts


def _source_names(element: Element, attribute: str) -> tuple[str, ...]:
    """How an attribute lxml names `{uri}local` can be spelled in the source (`prefix:local`)."""
    if not attribute.startswith("{"):
        return (attribute,)
    uri, local = attribute[1:].split("}", 1)
    if attribute.startswith(XML_NS):
        return ("xml:" + local,)
    return tuple(
        f"{prefix}:{local}" for prefix, ns in element.nsmap.items() if ns == uri and prefix
    )


# --- the front door ----------------------------------------------------------------------------


def check_xml(source: str | bytes, filename: str | None = None
              ) -> tuple[n.Response | None, list[Problem]]:  # fmt: skip
    """Parse and validate an RCML XML document: (document or None, every problem found).

    Never raises for bad input: malformed, hostile or binary documents come back as problems.
    """
    if isinstance(source, bytes) and _plain(source):
        # Nearly every document: what _prepare would return, without asking it.
        if len(source) > MAX_DOCUMENT_BYTES:
            return None, [_too_big(len(source), filename)]
        return _read(source, _AS_GIVEN, filename, True)
    size = len(source.encode("utf-8", "surrogatepass")) if isinstance(source, str) else len(source)
    if size > MAX_DOCUMENT_BYTES:
        return None, [_too_big(size, filename)]
    try:
        data, prepared = _prepare(source)
    except _Unreadable as exc:
        return None, [Problem(filename, exc.line, exc.col, 12100, str(exc))]
    return _read(data, prepared, filename, _ascii_compatible(data, prepared))


def _too_big(size: int, filename: str | None) -> Problem:
    message = f"the document is {size:,} bytes; the limit is 1 MiB ({MAX_DOCUMENT_BYTES:,} bytes)"
    return Problem(filename, 1, None, 12100, message)


def _read(data: bytes, prepared: _Prepared, filename: str | None, ascii_markup: bool
          ) -> tuple[n.Response | None, list[Problem]]:  # fmt: skip
    """Parse prepared bytes and build the document; `ascii_markup`: see _ascii_compatible."""
    # bytes.find, not `in`: the same search without `in`'s buffer handling, which costs more than
    # scanning a typical document.
    doctype = _doctype_offset(data) if data.find(b"<!DOCTYPE") >= 0 else None
    if doctype is not None:
        line, col = prepared.shift(*_byte_position(data, doctype))
        return None, [Problem(filename, line, col, 12100, _DOCTYPE_MESSAGE)]
    forced = prepared.forced
    parser = _parser(forced)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        return None, [_syntax_problem(parser, data, prepared, filename)]
    except (etree.LxmlError, ValueError) as exc:  # defensive: lxml refusing input outright
        return None, [Problem(filename, 1, None, 12100, f"unreadable XML: {exc}")]
    locator = XmlLocator(filename, data, root, prepared.lines_cut, "utf-8" if forced else None,
                         prepared.cols_cut)  # fmt: skip
    problems = []
    if not ascii_markup:
        # An encoding the byte scans above cannot read (EBCDIC...): ask the parsed tree instead.
        docinfo = root.getroottree().docinfo
        if docinfo.doctype or docinfo.internalDTD is not None:  # type: ignore[union-attr]
            line, col = locator.offset_position("<!DOCTYPE")
            return None, [Problem(filename, line, col, 12100, _DOCTYPE_MESSAGE)]
        problems = _namespace_problems(root, locator)
    elif data.find(b"xmlns") >= 0:
        problems = _namespace_problems(root, locator)
    doc, more = build_document(root, locator)
    if problems:
        problems.extend(more)
        return None, sorted(problems, key=Problem.sort_key)
    return doc, more


_DOCTYPE_MESSAGE = (
    "DOCTYPE declarations are not allowed: RCML documents take no DTD and no entities"
)


def _syntax_problem(parser: etree.XMLParser, data: bytes, prepared: _Prepared,
                    filename: str | None) -> Problem:  # fmt: skip
    # The parser's own log holds this parse only; the exception's log accumulates across parses.
    entries = [e for e in parser.error_log if e.level_name in ("ERROR", "FATAL")]
    if not entries:
        return Problem(filename, 1 + prepared.lines_cut, None, 12100, "malformed XML")
    entry = entries[0]
    message = _friendly(entry.message)
    if entry.type_name == "ERR_DOCUMENT_EMPTY":
        blank = not data.strip(b" \t\r\n\xef\xbb\xbf")
        message = "the document is empty; expected <Response>" if blank else _NOT_XML
    elif entry.type_name == "ERR_INVALID_ENCODING" and prepared.forced:
        # A str source became these bytes: only a lone surrogate can make them invalid.
        message = "a lone surrogate here is not a character; the text is not valid Unicode"
    else:
        char = _char_at(data, entry.line, entry.column)
        message = _CHAR_HINTS.get((entry.message.strip(), char), message)
    line, col = prepared.shift(max(entry.line, 1), entry.column or None)
    return Problem(filename, line, col, 12100, message)


# Where libxml2's words mislead, the character at the error position tells what really happened.
_CHAR_HINTS = {
    ("StartTag: invalid element name", "/"): "an end tag without a matching start tag",
    ("error parsing attribute name", "<"): "a '<' inside a start tag: close the tag with '>' "
    "before the next element starts",
}


def _char_at(data: bytes, line: int, col: int) -> str:
    """The character at a 1-based line and column of UTF-8 (or ASCII-compatible) bytes."""
    lines = data.split(b"\n", line)
    if not 1 <= line <= len(lines) or col < 1:
        return ""
    text = lines[line - 1].decode("utf-8", "replace")
    return text[col - 1] if col <= len(text) else ""


def _namespace_problems(root: Element, locator: XmlLocator) -> list[Problem]:
    problems = []
    for el in root.iter(etree.Element):
        parent = el.getparent()
        inherited = parent.nsmap if parent is not None else {}
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
