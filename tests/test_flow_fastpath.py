"""The flow reader's fast path: reads well-formed documents as the Lark parser does, and no others.

`_read_structure` must accept exactly the documents the Lark parser accepts, into the same
statements (heads with their lines and columns, blocks), and `check_flow` must give what
`_check_flow_lark` (every document through Lark) gives, on any input.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lark.exceptions import UnexpectedInput

from rcml import flow_reader
from rcml.flow_reader import (
    MAX_DEPTH,
    _check_flow_lark,
    _normalise,
    _parse_statements,
    _read_structure,
    _Statement,
    _SyntaxFailure,
    check_flow,
)
from rcml.flow_writer import to_flow
from rcml.nodes import Response
from tests.strategies import documents

TESTS = Path(__file__).parent
VALID = sorted((TESTS / "golden" / "valid").glob("*.flow"))
BROKEN = sorted((TESTS / "flow_errors").glob("*.flow"))


def _lark_statements(text: str) -> list[_Statement] | None:
    """The Lark parser's statements for `text`, None where it finds a syntax error."""
    try:
        return _parse_statements(_normalise(text))
    except (UnexpectedInput, _SyntaxFailure):
        return None


def assert_same_on_both_paths(text: str) -> list[_Statement] | None:
    """Both paths agree on `text`; returns the fast path's statements."""
    fast = _read_structure(_normalise(text))
    assert fast == _lark_statements(text)
    assert check_flow(text, "same.flow") == _check_flow_lark(text, "same.flow")
    return fast


def test_there_are_golden_and_broken_files_to_compare() -> None:
    assert len(VALID) >= 50
    assert len(BROKEN) >= 25


@pytest.mark.parametrize(
    "path", VALID + BROKEN, ids=[f"{p.parent.name}/{p.stem}" for p in VALID + BROKEN]
)
def test_golden_and_broken_files_read_the_same_on_both_paths(path: Path) -> None:
    assert_same_on_both_paths(path.read_text(encoding="utf-8"))


def test_the_fast_path_reads_every_golden_file() -> None:
    refused = [p.name for p in VALID if _read_structure(_normalise(p.read_text("utf-8"))) is None]
    assert refused == []


def test_check_flow_reads_the_golden_files_without_the_lark_parser(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    expected = {p.name: _check_flow_lark(p.read_text("utf-8"), p.name) for p in VALID}

    def no_lark(source: str) -> list[_Statement]:
        raise AssertionError("the Lark parser was used")

    monkeypatch.setattr(flow_reader, "_parse_statements", no_lark)
    assert {p.name: check_flow(p.read_text("utf-8"), p.name) for p in VALID} == expected


def test_the_fast_path_gives_heads_positions_and_blocks() -> None:
    text = (
        "# a menu\n"
        "\n"
        'say "Hi" voice=woman\n'
        "gather numDigits=1: # the menu\n"
        "    say:\n"
        '        text "Press "\n'
        "\n"
        "        say-as interpret-as=digits:\n"
        '            text "1"\n'
        "    pause\n"
        "hangup\n"
    )
    assert _read_structure(_normalise(text)) == [
        ('say "Hi" voice=woman', 3, 1, None),
        (
            "gather numDigits=1",
            4,
            1,
            [
                (
                    "say",
                    5,
                    5,
                    [
                        ('text "Press "', 6, 9, None),
                        ("say-as interpret-as=digits", 8, 9, [('text "1"', 9, 13, None)]),
                    ],
                ),
                ("pause", 10, 5, None),
            ],
        ),
        ("hangup", 11, 1, None),
    ]


def _nested(depth: int) -> str:
    return "".join(" " * level + "say:\n" for level in range(depth)) + " " * depth + "pause\n"


# Inputs at the edges of the structure: whether the fast path reads each, and that both paths
# then agree (for refused ones: on the error that Lark words).
EDGES: list[tuple[str, bool]] = [
    ("", True),
    ("\n\n", True),
    ("# only a comment", True),
    ("  \n# x\nsay\n", True),
    ("\ufeffsay\r\npause\r", True),
    ("say\n\n\n", True),
    ("gather:\n\tsay\n\tpause\nhangup", True),
    ("gather:# c\n  say\n", True),
    ("gather :  \n  say\n", True),
    ('say "x" # c\n', True),
    ("gather:\n  dial:\n    number\nsay\n", True),
    (_nested(MAX_DEPTH), True),
    (_nested(MAX_DEPTH + 1), False),
    ("  say\n", False),
    ("\n  say\n", False),
    ("say\n  pause\n", False),
    ("gather:\nsay\n", False),
    ("gather:\n", False),
    ("gather:\n    say\n  pause\n", False),
    ("gather:\n  say\n\tpause\n", False),
    ("gather:\n \tsay\n", False),
    ("gather:\n  say:\n  \t pause\n", False),
    ('say "x"# c\n', False),
    ("say x\n", False),
    ("say:x\n", False),
    ("say::\n  pause\n", False),
    (": say\n", False),
    ('"x"\n', False),
    ("timeout=5\n", False),
    ('say "unclosed\n', False),
]


@pytest.mark.parametrize(("text", "fast"), EDGES, ids=[repr(text)[:40] for text, _ in EDGES])
def test_edges_of_the_structure(text: str, fast: bool) -> None:
    statements = assert_same_on_both_paths(text)
    assert (statements is not None) is fast


# --- random documents and random damage --------------------------------------------------------

# Pieces of the syntax and of its usual mistakes, to insert anywhere.
_PIECES = (
    *(" ", "\t", ":", '"', "'", "#", "=", "\\", "x", "a=1", 'say "hi"', "gather:", "text "),
    *("\n", "\r\n", "\r", "\n\n", "\n    ", "\n\t", "  # note", "\ufeff"),
)
_INDENTS = ("", " ", "  ", "    ", "        ", "\t", "\t\t", " \t", "\t ", "\t   ", "  \t ")
# How a line may end, with and without the ':' that opens a block: the same structure, spelled
# in every way the grammar allows (and the fast path must read).
_ENDINGS = {
    True: (":", " :", ": ", ":# c", " :  # c", "\t:\t", ":#"),
    False: ("", " ", "\t", " # c", "  #"),
}


def _line_around(text: str, at: int) -> tuple[int, int]:
    """Start and end (before its '\\n') of the line that holds offset `at`."""
    start = text.rfind("\n", 0, at) + 1
    end = text.find("\n", at)
    return start, len(text) if end < 0 else end


def _indentation(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def _delete(draw: st.DrawFn, text: str, at: int) -> str:
    return text[:at] + text[at + draw(st.integers(1, 4)) :]


def _insert(draw: st.DrawFn, text: str, at: int) -> str:
    return text[:at] + draw(st.sampled_from(_PIECES)) + text[at:]


def _reindent(draw: st.DrawFn, text: str, at: int) -> str:
    start, end = _line_around(text, at)
    line = text[start:end]
    return text[:start] + draw(st.sampled_from(_INDENTS)) + line.lstrip(" \t") + text[end:]


def _tab_one_line(draw: st.DrawFn, text: str, at: int) -> str:
    """One line indented as wide as before, with tabs, or a tab among its spaces."""
    start, end = _line_around(text, at)
    line = text[start:end]
    indent = _indentation(line)
    if draw(st.booleans()):
        tabbed = "\t" * len(indent)
    else:
        where = draw(st.integers(0, max(len(indent) - 1, 0)))
        tabbed = indent[:where] + "\t" + indent[where + 1 :]
    return text[:start] + tabbed + line[len(indent) :] + text[end:]


def _tab_every_line(draw: st.DrawFn, text: str, at: int) -> str:
    """Every line indented with tabs instead of spaces: the same document."""
    lines = text.split("\n")
    return "\n".join("\t" * len(_indentation(line)) + line.lstrip(" \t") for line in lines)


def _blank_line(draw: st.DrawFn, text: str, at: int) -> str:
    start, _ = _line_around(text, at)
    line = draw(st.sampled_from(_INDENTS)) + draw(st.sampled_from(("", "# note", "#")))
    return text[:start] + line + "\n" + text[start:]


def _end_line(draw: st.DrawFn, text: str, at: int) -> str:
    """Respell the end of a line; sometimes add or remove its ':'."""
    _, end = _line_around(text, at)
    body = text[:end].rstrip(" \t")
    colon = body.endswith(":") != draw(st.booleans())
    ending = draw(st.sampled_from(_ENDINGS[colon]))
    return body.removesuffix(":").rstrip(" \t") + ending + text[end:]


def _respell_every_ending(draw: st.DrawFn, text: str, at: int) -> str:
    """Every line's end respelled, its ':' kept: the same document."""
    lines = []
    for line in text.split("\n"):
        body = line.rstrip(" \t")
        colon = body.endswith(":")
        ending = draw(st.sampled_from(_ENDINGS[colon]))
        lines.append(body.removesuffix(":").rstrip(" \t") + ending)
    return "\n".join(lines)


def _line_breaks(draw: st.DrawFn, text: str, at: int) -> str:
    return text.replace("\n", draw(st.sampled_from(("\r\n", "\r"))))


_EDITS: dict[str, Callable[[st.DrawFn, str, int], str]] = {
    "delete": _delete,
    "insert": _insert,
    "reindent": _reindent,
    "tab one line": _tab_one_line,
    "tab every line": _tab_every_line,
    "blank line": _blank_line,
    "end of line": _end_line,
    "end of every line": _respell_every_ending,
    "line breaks": _line_breaks,
}


@st.composite
def damaged(draw: st.DrawFn, texts: st.SearchStrategy[str]) -> str:
    """A text from `texts` with one to four random edits."""
    text = draw(texts)
    for _ in range(draw(st.integers(1, 4))):
        edit = _EDITS[draw(st.sampled_from(sorted(_EDITS)))]
        text = edit(draw, text, draw(st.integers(0, len(text))))
    return text


_FLOWS = documents().map(to_flow)
_FILES = st.sampled_from([path.read_text(encoding="utf-8") for path in VALID + BROKEN])
PROPERTY = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_the_fast_path_reads_every_written_document_as_lark_does(doc: Response) -> None:
    text = to_flow(doc)
    assert assert_same_on_both_paths(text) is not None
    assert check_flow(text)[0] == doc


@PROPERTY
@given(damaged(st.one_of(_FLOWS, _FILES)))
def test_damaged_documents_read_the_same_on_both_paths(text: str) -> None:
    assert_same_on_both_paths(text)
