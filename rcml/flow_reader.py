"""The flow reader: parses the `.flow` DSL into the element tree that the validator reads.

The syntax is grammar/flow.lark, parsed with Lark. Well-formed documents, nearly all that are read,
take a fast path that runs the same lexer and applies the grammar's rules by hand
(`_read_structure`); whatever that path refuses goes through the Lark parser, which alone words
syntax errors.

The DSL is a second syntax for the same language, so this module only translates: it builds the
lxml tree the XML reader would have built (tags, attributes by their XML names, text and tails)
plus a locator holding every statement's and attribute's position, and hands both to
`rcml.validate.build_document`. Every value, nesting and structure check, and every error code,
is therefore the XML one. Problems of the DSL's own syntax are reported here, in words: code 12100
for syntax errors, 12200 for unknown keywords.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, TypeAlias, cast

from lark import Lark, Token, Transformer
from lark.common import LexerConf
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from lark.lexer import Lexer, LexerState
from lark.utils import TextSlice
from lxml import etree

from rcml import names
from rcml import nodes as n
from rcml.errors import Problem, RcmlError, sort_problems
from rcml.grammar_files import grammar_text
from rcml.validate import XML_NS, Dialect, Element, build_document, suggest
from rcml.xml_reader import MAX_DOCUMENT_BYTES

SYNTAX_CODE = 12100
UNKNOWN_CODE = 12200
MAX_DEPTH = 256  # as deep as libxml2 lets an XML document nest
TEXT_KEYWORD = "text"  # a piece of text between the children of a block
ROOT_KEYWORD = "response"  # implicit in a .flow file; reported, then read through


def keyword_of(tag: str) -> str:
    """The DSL keyword of an element tag: its lower-case name (`numDigits` stays an attribute)."""
    return tag.lower()


# TwiML and USSD names map to their tags too, so the validator says "a TwiML verb that rcml does
# not support" exactly as it does for XML; only RCML names are offered as suggestions.
_KEYWORDS: dict[str, str] = {
    keyword_of(tag): tag
    for tag in (*names.ALL_TAGS, *sorted(names.TWIML_ELEMENTS), *sorted(names.USSD_ELEMENTS))
    if tag != "Response"
}
_RCML_KEYWORDS: tuple[str, ...] = tuple(
    keyword_of(tag) for tag in names.ALL_TAGS if tag != "Response"
) + (TEXT_KEYWORD,)
_SSML_KEYWORDS: tuple[str, ...] = tuple(n.SSML_ATTRIBUTES)
# Elements whose statement can never have a block: no children and no text.
_BLOCKLESS = frozenset(
    keyword_of(spec.tag)
    for spec in names.ELEMENTS.values()
    if not spec.allowed and spec.text_field is None
)


def _element_label(tag: str) -> str:
    return "the document" if tag == "Response" else f"'{keyword_of(tag)}'"


FLOW_DIALECT = Dialect(
    element=_element_label, attribute=lambda name: f"'{name}'", listed=keyword_of
)


# --- the parser ------------------------------------------------------------------------------


class _SyntaxFailure(Exception):
    """A syntax problem found outside Lark (indentation), with its position."""

    def __init__(self, line: int, col: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.col = col
        self.message = message


class _Indentation:
    """Lark postlexer: each line's leading whitespace becomes _INDENT/_DEDENT tokens.

    Unlike `lark.indenter.Indenter` it keeps its state in the generator of one parse, so the one
    cached parser can serve several threads at once.
    """

    # STRING and ATTRIBUTE are kept for the reader, which splits statement heads with them.
    always_accept = ("_NL", "STRING", "ATTRIBUTE")

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        return _indent_tokens(stream)


def _indent_tokens(stream: Iterator[Token]) -> Iterator[Token]:
    levels = [0]
    style: tuple[str, int] | None = None  # the first indented line's character and line number
    first = True
    for token in stream:
        if token.type != "_NL":
            if first and token.column != 1:
                raise _SyntaxFailure(token.line or 1, 1, _FIRST_INDENTED)
            first = False
            yield token
            continue
        first = False
        yield token
        value = token.value
        indent = value[value.rfind("\n") + 1 :]
        width = len(indent)
        line = token.end_line or 1
        if width:
            style = _check_indent(indent, line, style)
        if width > levels[-1]:
            if len(levels) > MAX_DEPTH:
                raise _SyntaxFailure(
                    line, width + 1, f"blocks are nested more than {MAX_DEPTH} levels deep"
                )
            levels.append(width)
            yield Token("_INDENT", indent, None, line, width + 1)
        elif width < levels[-1]:
            if width not in levels:
                raise _SyntaxFailure(line, width + 1, _bad_dedent(width, levels, style))
            while width < levels[-1]:
                levels.pop()
                yield Token("_DEDENT", "", None, line, width + 1)
    while len(levels) > 1:
        levels.pop()
        yield Token("_DEDENT", "")


_FIRST_INDENTED = "unexpected indentation: the first statement must start in column 1"


def _check_indent(indent: str, line: int, style: tuple[str, int] | None) -> tuple[str, int]:
    """Indentation uses one character, tab or space, in the whole file; a line may not mix them."""
    first = indent[0]
    other = "\t" if first == " " else " "
    if other in indent:
        message = "this line's indentation mixes tabs and spaces; indent with spaces only"
        raise _SyntaxFailure(line, indent.index(other) + 1, message)
    if style is None:
        return first, line
    if style[0] != first:
        message = (
            f"this line is indented with {_UNITS[first][1]} but line {style[1]} with "
            f"{_UNITS[style[0]][1]}; indent with spaces only"
        )
        raise _SyntaxFailure(line, 1, message)
    return style


_UNITS = {" ": ("space", "spaces"), "\t": ("tab", "tabs")}


def _bad_dedent(width: int, levels: list[int], style: tuple[str, int] | None) -> str:
    unit = _UNITS[style[0] if style else " "]
    outer = ", ".join(str(level) for level in levels[:-1]) + " or " + str(levels[-1])
    return (
        f"unindent does not match any outer block: this line is indented {width} "
        f"{unit[width != 1]}, the blocks around it {outer}"
    )


class _FlowLexer(Lexer):
    """Lark lexer for the flow grammar: the grammar's own terminals in one regular expression.

    Lark's standard lexers spend most of their time on bookkeeping per token that this grammar
    does not need: only _NL spans lines, and at every point of a valid document the first
    terminal that matches (in Lark's own order) is the right one, so one alternation and one
    `match` per token do. It raises Lark's UnexpectedCharacters like the standard lexers.
    """

    __future_interface__ = 2

    def __init__(self, conf: LexerConf) -> None:
        terminals = sorted(
            conf.terminals,
            key=lambda t: (-t.priority, -t.pattern.max_width, -len(t.pattern.value), t.name),
        )
        self.scanner = re.compile(
            "|".join(f"(?P<{t.name}>{t.pattern.to_regexp()})" for t in terminals),
            conf.g_regex_flags,
        )
        self.ignore = frozenset(conf.ignore)
        self.allowed = {t.name for t in terminals} - self.ignore

    def lex(self, lexer_state: LexerState, parser_state: Any) -> Iterator[Token]:
        source = lexer_state.text
        text: str = source.text
        pos, end = (source.start, source.end) if isinstance(source, TextSlice) else (0, len(text))
        line, line_start = 1, 0
        match, ignore = self.scanner.match, self.ignore
        while pos < end:
            found = match(text, pos)
            if found is None:
                raise UnexpectedCharacters(
                    text, pos, line, pos - line_start + 1, allowed=self.allowed, state=parser_state
                )
            kind = found.lastgroup
            stop = found.end()
            if kind in ignore:
                pos = stop
                continue
            value = found.group()
            col = pos - line_start + 1
            if kind == "_NL":
                start_line = line
                line += value.count("\n")
                line_start = pos + value.rfind("\n") + 1
                yield Token(kind, value, pos, start_line, col, line, stop - line_start + 1, stop)
            else:
                yield Token(kind, value, pos, line, col, line, col + stop - pos, stop)  # type: ignore[arg-type]
            pos = stop


@dataclass(frozen=True, slots=True)
class _Source:
    """A document's text as Lark's "custom input": the lexer reads it without a line counter."""

    text: str


# A statement as the reader takes it: its head (keyword, string and attributes), the head's line
# and column, and its block's statements (None without a block). Plain tuples: both ways of parsing
# build them, and the fast one has to be cheap.
_Statement: TypeAlias = tuple[str, int, int, "list[_Statement] | None"]


class _Statements(Transformer[Token, list[_Statement]]):
    """Builds statements as the LALR parser reduces, with no parse tree in between."""

    def start(self, statements: list[_Statement]) -> list[_Statement]:
        return statements

    def statement(self, children: list[Any]) -> _Statement:
        head: Token = children[0]
        block = children[1] if len(children) > 1 else None
        return head.value, head.line or 1, head.column or 1, block

    def block(self, statements: list[_Statement]) -> list[_Statement]:
        return statements


@functools.cache
def _parser() -> Lark:
    return Lark(
        grammar_text("flow.lark"),
        parser="lalr",
        lexer=_FlowLexer,
        postlex=_Indentation(),
        # Positions on, as Lark keeps them; the reader takes each statement's from its HEAD token.
        # The cost (~40% of a Lark parse) is paid only by documents the fast path refuses.
        propagate_positions=True,
        maybe_placeholders=False,
        transformer=_Statements(),
    )


def _parse_statements(source: str) -> list[_Statement]:
    """The statements of a normalised document by the Lark parser; raises its syntax errors."""
    return cast("list[_Statement]", _parser().parse(_Source(source)))


@functools.cache
def _structure_lexer() -> _FlowLexer:
    """The parser's lexer, built again from the parser's own configuration, for the fast path."""
    return _FlowLexer(_parser().lexer_conf)


def _read_structure(source: str) -> list[_Statement] | None:
    """The statements of a normalised well-formed document, read without Lark; None otherwise.

    Lark spends most of a parse on bookkeeping per token, for a structure of three rules and the
    indentation. This reads each line with the lexer's own scanner (the grammar's terminals, in
    the lexer's order) and applies `start`, `statement` and `block` and the rules of
    `_indent_tokens` by hand, so it accepts exactly what the parser accepts and gives the same
    statements (tests/test_flow_fastpath.py checks both). Whatever it refuses goes to the parser,
    which finds the error and words it: nothing is reported from here.
    """
    lexer = _structure_lexer()
    match, ignore = lexer.scanner.match, lexer.ignore

    def next_token(at: int) -> re.Match[str] | None:
        found = match(source, at)
        while found is not None and found.lastgroup in ignore:
            found = match(source, found.end())
        return found

    top: list[_Statement] = []
    blocks = [top]  # the statements of each open block, innermost last
    levels = [0]  # the indentation of each open block
    style = ""  # the one character of every indentation, from the first indented line on
    line = pos = width = 0  # before each statement: lines read, its offset, its indentation
    found = next_token(0)
    if found is not None and found.lastgroup == "_NL":  # blank and comment lines first
        value = found.group()
        if value[-1] != "\n":
            return None  # the first statement is indented
        line, pos = value.count("\n"), found.end()
    end = len(source)
    while pos < end:
        found = match(source, pos)
        if found is None or found.lastgroup != "HEAD":
            return None  # no statement here (at the start of the file: an indented one)
        head, head_line, head_col = found.group(), line + 1, width + 1
        found = next_token(found.end())
        block: list[_Statement] | None = None
        if found is not None and found.lastgroup == "COLON":
            block = []
            found = next_token(found.end())
        if found is None or found.lastgroup != "_NL":
            return None
        value = found.group()
        pos = found.end()
        line += value.count("\n")
        indent = value[value.rfind("\n") + 1 :]
        width = len(indent)
        if width:
            style = style or indent[0]
            if indent != style * width:
                return None  # tabs and spaces mixed, on one line or in the file
        blocks[-1].append((head, head_line, head_col, block))
        if block is not None:
            if width <= levels[-1] or len(levels) > MAX_DEPTH:
                return None  # no block after the ':', or one nested too deep
            blocks.append(block)
            levels.append(width)
            continue
        while width < levels[-1]:
            levels.pop()
            blocks.pop()
        if width != levels[-1]:
            return None  # indented with no ':' above, or back to no outer block's level
    return top


@functools.cache
def _head_item() -> re.Pattern[str]:
    """One string or attribute of a statement's head, after its whitespace, as the grammar says."""
    parser = _parser()
    string = parser.get_terminal("STRING").pattern.to_regexp()
    attribute = parser.get_terminal("ATTRIBUTE").pattern.to_regexp()
    return re.compile(f"[ \t]+((?:{string})|(?:{attribute}))")


_SPACE = re.compile("[ \t]")

# --- strings ---------------------------------------------------------------------------------

_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))")
_ESCAPES_LISTED = '\\" \\\\ \\n \\t \\r \\uXXXX and \\UXXXXXXXX'
_SIMPLE_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t", "r": "\r"}
# What XML 1.0 text cannot hold, so neither can a document in either syntax.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _char_name(char: str) -> str:
    return f"'{char}'" if char.isprintable() and not char.isspace() else f"U+{ord(char):04X}"


# --- from the parse tree to an element tree --------------------------------------------------


class FlowLocator:
    """Positions of the statements (and their attributes) behind the elements of a built tree."""

    def __init__(self, filename: str | None) -> None:
        self.filename = filename
        self._places: dict[Element, tuple[int, int, dict[str, tuple[int, int]] | None]] = {}

    def place(
        self,
        element: Element,
        line: int,
        col: int,
        attributes: dict[str, tuple[int, int]] | None = None,
    ) -> None:
        self._places[element] = (line, col, attributes)

    def span(self, element: Element) -> n.Span:
        line, col, _ = self._places.get(element, (1, 1, None))
        return n.Span(self.filename, line, col)

    def position(self, element: Element, attribute: str | None = None) -> tuple[int, int | None]:
        line, col, attributes = self._places.get(element, (1, 1, None))
        if attribute is not None and attributes and attribute in attributes:
            return attributes[attribute]
        return line, col


def _at(token: Token, shift: int = 0) -> tuple[int, int]:
    """A token's line and column (plus `shift` characters); Lark types them as optional."""
    return token.line or 1, (token.column or 1) + shift


def _head_word(head: str) -> str:
    """The keyword of a statement's head: everything up to the first space."""
    space = _SPACE.search(head)
    return head[: space.start()] if space else head


class _TreeBuilder:
    """Turns a document's statements into elements; collects the DSL's own problems on the way."""

    def __init__(self, filename: str | None) -> None:
        self.filename = filename
        self.locator = FlowLocator(filename)
        self.problems: list[Problem] = []
        self.item = _head_item()
        self.top_text = False
        # Elements that lost a child statement (an unknown keyword): what the validator says
        # about their content (say, "'dial' needs a target") follows from that loss.
        self.incomplete: list[Element] = []

    def report(self, line: int, col: int, message: str, code: int = SYNTAX_CODE) -> None:
        self.problems.append(Problem(self.filename, line, col, code, message))

    def with_validation(self, problems: list[Problem]) -> list[Problem]:
        """This reader's problems and the validator's, less those that follow from a lost child."""
        hidden = {self.locator.position(element) for element in self.incomplete}
        kept = [p for p in problems if (p.line, p.col) not in hidden]
        return sort_problems([*self.problems, *kept])

    def document(self, statements: list[_Statement]) -> Element:
        root = etree.Element("Response")
        self.locator.place(root, 1, 1)
        self.block(statements, root, "Response")
        return root

    def block(self, statements: list[_Statement], parent: Element, parent_tag: str) -> None:
        """Add a block's statements to `parent`: elements, and `text` lines as text and tails."""
        previous: Element | None = None
        for statement in statements:
            head, line, col, block = statement
            word = _head_word(head)
            if word == TEXT_KEYWORD:
                text = self.text_statement(head, line, col, block)
                if not text:
                    continue
                if parent_tag == "Response" and not self.top_text:
                    # Text at the top level is an error the validator reports on the document.
                    self.top_text = True
                    self.locator.place(parent, line, col)
                if previous is None:
                    parent.text = (parent.text or "") + text
                else:
                    previous.tail = (previous.tail or "") + text
                continue
            tag = _KEYWORDS.get(word)
            if tag is None:
                self.unknown_keyword(word, line, col, parent_tag, block, parent)
                continue
            element = etree.SubElement(parent, tag)
            self.statement(element, tag, word, statement)
            previous = element

    def statement(self, element: Element, tag: str, word: str, statement: _Statement) -> None:
        head, line, col, block = statement
        attributes: dict[str, tuple[int, int]] | None = None
        has_text = False
        for match in self.item.finditer(head, len(word)):
            item = match.group(1)
            at = col + match.start(1)
            if item[0] != '"':
                key = self.attribute(element, word, item, line, at)
                if key is not None:
                    if attributes is None:
                        attributes = {}
                    attributes[key] = (line, at)
            elif has_text:
                self.second_string(word, line, at)
            else:
                element.text = self.string(item, line, at)
                has_text = True
        if block is not None:
            self.block(block, element, tag)
        self.locator.place(element, line, col, attributes)

    def attribute(self, element: Element, word: str, item: str, line: int, col: int) -> str | None:
        """Set one name=value on `element`; returns the attribute's key, None when refused."""
        name, _, raw = item.partition("=")
        value = self.string(raw, line, col + len(name) + 1) if raw[0] == '"' else raw
        key = name
        if ":" in name:
            prefix, _, local = name.partition(":")
            if prefix != "xml":
                message = (
                    f"attribute '{name}' on '{word}' has a prefix; RCML attributes take no "
                    "namespace prefix"
                )
                self.report(line, col, message, UNKNOWN_CODE)
                return None
            key = XML_NS + local
        if element.get(key) is not None:
            self.report(line, col, f"attribute '{name}' is given twice on '{word}'")
            return None
        element.set(key, value)
        return key

    def string(self, quoted: str, line: int, col: int) -> str:
        """The value of the quoted string at (line, col).

        Bad escapes and characters that XML cannot hold are reported.
        """
        body = quoted[1:-1]
        if "\\" in body:
            body = _ESCAPE.sub(lambda match: self.escape(match, line, col + 1), body)
        bad = _NOT_XML.search(body)
        if bad:
            message = (
                f"a string cannot hold the character {_char_name(bad.group())}: RCML documents "
                "are XML text"
            )
            self.report(line, col, message)
            body = _NOT_XML.sub("", body)
        return body

    def escape(self, match: re.Match[str], line: int, col: int) -> str:
        short, long, simple = match.groups()
        if simple is not None:
            decoded = _SIMPLE_ESCAPES.get(simple)
            if decoded is not None:
                return decoded
        else:
            code = int(short or long, 16)
            if code <= 0x10FFFF:
                return chr(code)
        message = f"unknown escape '{match.group()}' in a string; the escapes are {_ESCAPES_LISTED}"
        self.report(line, col + match.start(), message)
        return match.group()

    def second_string(self, word: str, line: int, col: int) -> None:
        message = (
            f"'{word}' has a second string; a statement takes one (for longer text use a block "
            "of text lines)"
        )
        self.report(line, col, message)

    def text_statement(self, head: str, line: int, col: int, block: list[_Statement] | None) -> str:
        if block is not None:
            self.report(line, col, "'text' takes no block")
        text = ""
        has_text = False
        for match in self.item.finditer(head, len(TEXT_KEYWORD)):
            item = match.group(1)
            at = col + match.start(1)
            if item[0] != '"':
                self.report(line, at, "'text' takes a quoted string and no attributes")
            elif has_text:
                self.second_string(TEXT_KEYWORD, line, at)
            else:
                text = self.string(item, line, at)
                has_text = True
        if not has_text:
            self.report(line, col, "'text' needs a quoted string: text \"...\"")
        return text

    def unknown_keyword(
        self,
        word: str,
        line: int,
        col: int,
        parent_tag: str,
        block: list[_Statement] | None,
        parent: Element,
    ) -> None:
        if word == ROOT_KEYWORD and parent_tag == "Response":
            message = (
                "'response' is implicit in a .flow file: write the verbs at the top level, "
                "without it"
            )
            self.report(line, col, message, UNKNOWN_CODE)
            if block is not None:  # read its block as the document, to report what is in there
                self.block(block, parent, parent_tag)
            return
        if parent_tag != "Response":
            self.incomplete.append(parent)
        here = _allowed_keywords(parent_tag)
        suggestion, by_case = suggest(word, here, _RCML_KEYWORDS)
        if suggestion is None:
            suggestion, by_case = suggest(word, _RCML_KEYWORDS)
        if suggestion and by_case:
            message = (
                f"unknown keyword '{word}': keywords are lower case, did you mean '{suggestion}'?"
            )
        elif suggestion:
            message = f"unknown keyword '{word}'; did you mean '{suggestion}'?"
        else:
            message = f"unknown keyword '{word}'; allowed here: {', '.join(here)}"
        self.report(line, col, message, UNKNOWN_CODE)


@functools.cache
def _allowed_keywords(parent_tag: str) -> tuple[str, ...]:
    spec = names.ELEMENTS.get(parent_tag)
    tags = spec.allowed if spec is not None else _SSML_KEYWORDS
    return (*(keyword_of(tag) for tag in tags), TEXT_KEYWORD)


# --- syntax errors in words ------------------------------------------------------------------

Found = tuple[int, int, str]  # line, column, message

_TOKEN_WORDS = {
    "HEAD": "a statement",
    "STRING": "a string",
    "ATTRIBUTE": "an attribute",
    "COLON": "':'",
    "_NL": "the end of the line",
    "_INDENT": "an indented block",
    "_DEDENT": "the end of the block",
    "$END": "the end of the file",
}
_UNCLOSED = "unclosed string: end it with '\"' on the same line (write \\n for a line break)"
_SINGLE_QUOTES = 'strings are written in double quotes: "..."'
_SPACED_EQUALS = "no spaces around '=' in an attribute: write name=value"
_AFTER_COLON = "nothing may follow ':' on its line; start the block on the next line, indented"
_CODE_LINE = re.compile(r"[ \t]*([^ \t#][^ \t]*)")
_EQUALS_AFTER = re.compile(r"([ \t]*)=([ \t]*)(.?)")
_ATTRIBUTE_AHEAD = re.compile(r"=[ \t]+[A-Za-z_][A-Za-z0-9_.:-]*=")
_BARE_AT_END = re.compile(r"[ \t]([^ \t\"=]+)=([^ \t\"]*)$")
_VALUE_AHEAD = re.compile(r"\S*")


def _syntax_problem(exc: UnexpectedInput, lines: list[str]) -> Found:
    """Line, column and words for a Lark error: what was found, what was expected, what to do."""
    parser = getattr(exc, "interactive_parser", None)
    stack = list(parser.parser_state.value_stack) if parser is not None else []
    if isinstance(exc, UnexpectedCharacters):
        return _unexpected_character(exc.line, exc.column, lines, stack)
    if isinstance(exc, UnexpectedToken):
        return _unexpected_token(exc.token, lines, stack)
    return exc.line or 1, exc.column or 1, "unexpected end of the file"  # not raised by LALR


def _kind(item: object) -> str:
    return item.type if isinstance(item, Token) else "rule"


def _unexpected_character(line: int, col: int, lines: list[str], stack: list[object]) -> Found:
    """A character that starts no token: an unclosed string, single quotes, a stray '='..."""
    text = lines[line - 1]
    char = text[col - 1]
    last = stack[-1] if stack else None
    if _kind(last) == "COLON":
        return _after_colon(line, col, lines, stack)
    if isinstance(last, Token) and last.type == "HEAD":
        unquoted = _unquoted_value(last, col, lines)
        if unquoted is not None:
            return unquoted
        if char == "=" and last.end_column == col:
            # `timeout=5` on a line of its own: the name was read as a statement's keyword.
            word = last.value
            message = (
                f"'{word}=' is an attribute, but a statement starts with a keyword; put "
                "attributes on their keyword's line: KEYWORD name=value"
            )
            return line, col - len(word), message
    if char == '"':
        return line, col, _UNCLOSED
    if char == "'":
        return line, col, _SINGLE_QUOTES
    if char == "#":
        return line, col, "a comment starts at the beginning of a line or after a space: ' # ...'"
    if char == "=" and col > 1 and text[col - 2] in " \t":
        return line, col, _SPACED_EQUALS
    return line, col, f"unexpected character {_char_name(char)}"


def _unquoted_value(head: Token, col: int, lines: list[str]) -> Found | None:
    """A bare value that runs on into a character bare values cannot hold (`action=http://x`)."""
    if head.end_column != col:
        return None
    bare = _BARE_AT_END.search(head.value)
    if bare is None:
        return None
    name, value = bare.groups()
    line, name_col = _at(head, bare.start(1))
    return line, name_col, _must_quote(name, value, lines[line - 1], col)


def _must_quote(name: str, start: str, text: str, col: int) -> str:
    """Say that the value of `name` (`start`, then the text from `col` on) needs quotes."""
    run = _VALUE_AHEAD.match(text, col - 1)
    rest = run.group() if run else ""
    whole = start + rest
    if whole.endswith(":") and not text[col - 1 + len(rest) :].strip():
        whole = whole[:-1]  # the line's own block colon
    return f'a value containing {_char_name(text[col - 1])} must be quoted: {name}="{whole}"'


def _after_colon(line: int, col: int, lines: list[str], stack: list[object]) -> Found:
    """Something after a statement's ':'; most often a bare value with a ':' in it (a URL)."""
    colon = stack[-1]
    head = stack[-2] if len(stack) > 1 else None
    if isinstance(colon, Token) and isinstance(head, Token):
        unquoted = _unquoted_value(head, colon.column or 1, lines)
        if unquoted is not None:
            return unquoted
    return line, col, _AFTER_COLON


def _unexpected_token(token: Token, lines: list[str], stack: list[object]) -> Found:
    """A token the grammar does not allow here, said in terms of statements and blocks."""
    kind = token.type
    line, col = _at(token)
    last = _kind(stack[-1]) if stack else None
    if kind == "_INDENT":
        return line, col, _unexpected_indent(line, lines)
    if last == "_NL" and len(stack) >= 2 and _kind(stack[-2]) == "COLON":
        return _missing_block(stack)
    if last == "COLON":
        return _after_colon(line, col, lines, stack)
    if last == "HEAD":
        head = stack[-1]
        assert isinstance(head, Token)
        word = _head_word(head.value)
        if kind == "HEAD":
            return _word_in_statement(token, word, lines)
        return line, col, f"missing space before {_TOKEN_WORDS.get(kind, 'this')}"
    if kind == "COLON":
        found = "':'"
    elif kind == "STRING":
        found = "a string"
    else:
        found = f"'{token.value}'"
    return line, col, f"a statement starts with a keyword such as 'say', found {found}"


def _missing_block(stack: list[object]) -> Found:
    colon = stack[-2]
    head = stack[-3] if len(stack) > 2 else None
    assert isinstance(colon, Token)
    line, col = _at(colon)
    if not isinstance(head, Token):
        return line, col, "expected an indented block after ':'"
    word = _head_word(head.value)
    middle = " …" if word != head.value else ""
    return line, col, f"expected an indented block after '{word}{middle}:'"


def _unexpected_indent(line: int, lines: list[str]) -> str:
    """Why an indented line is wrong, from the statement line above it."""
    for above in range(line - 2, -1, -1):
        match = _CODE_LINE.match(lines[above])
        if match is None:
            continue
        keyword = match.group(1)
        if keyword in _BLOCKLESS:
            return f"unexpected indentation: '{keyword}' takes no block"
        return (
            f"unexpected indentation: the '{keyword}' line above does not end with ':', so it "
            "opens no block"
        )
    return _FIRST_INDENTED


def _word_in_statement(token: Token, keyword: str, lines: list[str]) -> Found:
    """A bare word where an attribute or a string belongs: say which mistake it most likely is.

    An attribute is part of a statement's head only as a whole name=value, so a broken attribute
    ends the head and arrives here as its bare name; what follows the name tells the mistakes
    apart.
    """
    line, col = _at(token)
    text = lines[line - 1]
    word = _head_word(token.value)
    end = col - 1 + len(word)
    after = _EQUALS_AFTER.match(text, end)
    if after is None:
        message = (
            f"unexpected '{word}' after '{keyword}': text is written as a quoted string "
            f'("{word}") and attributes as name=value'
        )
        return line, col, message
    space_before, space_after, following = after.groups()
    no_value = f"attribute '{word}' has no value: write {word}=VALUE"
    if space_before or (space_after and following not in ("", ":", "#")):
        if not space_before and _ATTRIBUTE_AHEAD.match(text, end):
            return line, col, no_value  # `timeout= numDigits=1`
        return line, col, _SPACED_EQUALS
    value_col = after.end(3)
    if following == '"':
        return line, value_col, _UNCLOSED
    if following == "'":
        return line, value_col, _SINGLE_QUOTES
    if following in ("", ":"):
        return line, col, no_value
    return line, col, _must_quote(word, "", text, value_col)


# --- the front door --------------------------------------------------------------------------


def _normalise(text: str) -> str:
    """Line breaks as \n, no byte-order mark, a final newline (the grammar ends lines with _NL)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.endswith("\n"):
        text += "\n"
    return text


def check_flow(text: str, filename: str | None = None) -> tuple[n.Response | None, list[Problem]]:
    """Parse and validate a `.flow` document: (document or None, every problem found)."""
    return _check(text, filename, fast=True)


def _check_flow_lark(
    text: str, filename: str | None = None
) -> tuple[n.Response | None, list[Problem]]:
    """`check_flow` with every document through the Lark parser: what the fast path must equal."""
    return _check(text, filename, fast=False)


def _check(
    text: str, filename: str | None, *, fast: bool
) -> tuple[n.Response | None, list[Problem]]:
    if len(text) * 4 > MAX_DOCUMENT_BYTES:
        size = len(text.encode("utf-8", "surrogatepass"))
        if size > MAX_DOCUMENT_BYTES:
            message = (
                f"the document is {size:,} bytes; the limit is 1 MiB ({MAX_DOCUMENT_BYTES:,} bytes)"
            )
            return None, [Problem(filename, 1, None, SYNTAX_CODE, message)]
    source = _normalise(text)
    statements = _read_structure(source) if fast else None
    if statements is None:
        try:
            statements = _parse_statements(source)
        except _SyntaxFailure as failure:
            problem = Problem(filename, failure.line, failure.col, SYNTAX_CODE, failure.message)
            return None, [problem]
        except UnexpectedInput as exc:
            line, col, message = _syntax_problem(exc, source.split("\n"))
            return None, [Problem(filename, line, col, SYNTAX_CODE, message)]
    builder = _TreeBuilder(filename)
    root = builder.document(statements)
    doc, problems = build_document(root, builder.locator, FLOW_DIALECT)
    if builder.problems:
        problems = builder.with_validation(problems)
        doc = None
    return doc, problems


def parse_flow(text: str, filename: str | None = None) -> n.Response:
    """Parse and validate a `.flow` document; raises RcmlError listing every error."""
    doc, problems = check_flow(text, filename)
    if doc is None:
        raise RcmlError([p for p in problems if p.is_error])
    return doc
