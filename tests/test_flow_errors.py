"""Errors of the flow reader: golden broken files, the caret display, and codes shared with XML.

Each `tests/flow_errors/NAME.flow` has `NAME.expected` beside it: the exact lines `rcml check`
prints for it, `NAME.flow:LINE:COL: severity: message`. `pytest --update-golden` rewrites them
after a deliberate change; review the diff.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rcml.cli import main
from rcml.errors import RcmlError
from rcml.flow_reader import check_flow, parse_flow
from rcml.flow_writer import to_flow
from rcml.nodes import Response, Say
from rcml.xml_reader import check_xml
from tests.conftest import Golden
from tests.strategies import documents

CASES = Path(__file__).parent / "flow_errors"
BROKEN = sorted(CASES.glob("*.flow"))


def _report(path: Path) -> str:
    _, problems = check_flow(path.read_text(encoding="utf-8"), path.name)
    return "".join(problem.format() + "\n" for problem in problems)


def test_there_are_at_least_25_broken_files_each_with_its_expected_output() -> None:
    assert len(BROKEN) >= 25
    expected = {path.stem for path in CASES.glob("*.expected")}
    assert expected == {path.stem for path in BROKEN}


@pytest.mark.parametrize("path", BROKEN, ids=[path.stem for path in BROKEN])
def test_broken_file_reports_exactly_the_expected_problems(path: Path, golden: Golden) -> None:
    golden.check(path.with_suffix(".expected"), _report(path))


def test_every_broken_file_that_has_an_error_fails_to_parse() -> None:
    for path in BROKEN:
        if ": error: " not in path.with_suffix(".expected").read_text(encoding="utf-8"):
            continue
        with pytest.raises(RcmlError):
            parse_flow(path.read_text(encoding="utf-8"), path.name)


def test_a_problem_prints_the_source_line_and_a_caret_under_the_column() -> None:
    source = 'gather action=/menu timeout=:\n    say "Press 1 for sales."\n'
    _, problems = check_flow(source, "menu.flow")
    assert [problem.format(source) for problem in problems] == [
        "menu.flow:1:21: error: attribute 'timeout' has no value: write timeout=VALUE\n"
        "    gather action=/menu timeout=:\n"
        "                        ^"
    ]


def test_parse_flow_raises_with_every_error_and_no_lark_types() -> None:
    source = 'say "Hi" voise=woman\ngather timeout=abc:\n    say "x"\n'
    with pytest.raises(RcmlError) as caught:
        parse_flow(source, "two.flow")
    assert [(p.line, p.col, p.code) for p in caught.value.errors] == [(1, 10, 12200), (2, 8, 13313)]
    assert str(caught.value) == (
        "two.flow:1:10: error: unknown attribute 'voise' on 'say'; did you mean 'voice'? "
        "(and 1 more problem)"
    )
    for problem in caught.value.errors:
        assert type(problem.message) is str


def test_syntax_errors_carry_plain_values_and_no_lark_exception() -> None:
    with pytest.raises(RcmlError) as caught:
        parse_flow('say "x" woman\n')
    (problem,) = caught.value.errors
    assert (type(problem.line), type(problem.col), type(problem.message)) == (int, int, str)
    assert caught.value.__cause__ is None and caught.value.__context__ is None


def test_an_empty_or_comment_only_file_is_an_empty_document() -> None:
    for source in ("", "\n", "# nothing yet\n\n   \n# still nothing"):
        doc, problems = check_flow(source)
        assert problems == []
        assert doc is not None and doc.verbs == ()


def test_a_document_over_one_mebibyte_is_refused_before_parsing() -> None:
    source = 'say "' + "a" * (1024 * 1024) + '"\n'
    doc, problems = check_flow(source, "big.flow")
    assert doc is None
    assert [problem.format() for problem in problems] == [
        "big.flow:1: error: the document is 1,048,583 bytes; the limit is 1 MiB (1,048,576 bytes)"
    ]


def _nested_prosody(depth: int) -> str:
    """A say whose SSML nests `depth` prosody elements, the innermost holding a word."""
    lines = ["say:"] + ["    " * level + "prosody:" for level in range(1, depth + 1)]
    return "\n".join(lines) + "\n" + "    " * (depth + 1) + 'text "deep"\n'


def test_blocks_nested_256_deep_are_read() -> None:
    doc = parse_flow(_nested_prosody(255))
    say = doc.verbs[0]
    assert isinstance(say, Say)
    assert say.spoken_text == "deep"


def test_blocks_nested_deeper_than_256_are_refused() -> None:
    _, problems = check_flow(_nested_prosody(300), "deep.flow")
    assert [problem.format() for problem in problems] == [
        "deep.flow:258:1029: error: blocks are nested more than 256 levels deep"
    ]


# --- the same mistakes in both syntaxes get the same codes ---------------------------------------

# (flow, xml) written line for line, so that lines match too; columns differ by syntax.
SAME_MISTAKES = [
    (
        'gather timeout=abc numDigits=0:\n    say "Press 1."\n',
        '<Response><Gather timeout="abc" numDigits="0">\n<Say>Press 1.</Say></Gather></Response>',
    ),
    (
        'gather:\n    dial "+15551234567"\n',
        "<Response><Gather>\n<Dial>+15551234567</Dial></Gather></Response>",
    ),
    (
        'dial:\n    say "Connecting."\n',
        "<Response><Dial>\n<Say>Connecting.</Say></Dial></Response>",
    ),
    (
        'say "Hello" voise=woman\n',
        '<Response><Say voise="woman">Hello</Say></Response>',
    ),
    (
        "redirect\nplay\n",
        "<Response><Redirect/>\n<Play/></Response>",
    ),
    (
        'connect:\n    say "Streaming."\n',
        "<Response><Connect>\n<Say>Streaming.</Say></Connect></Response>",
    ),
    (
        'hangup\nsay "Nobody hears this."\ndial:\n    uri "sip:bob@example.com"\n',
        "<Response><Hangup/>\n<Say>Nobody hears this.</Say>\n<Dial>\n"
        "<Uri>sip:bob@example.com</Uri></Dial></Response>",
    ),
    (
        'dial "+15551234567":\n    number "+15557654321"\n',
        "<Response><Dial>+15551234567\n<Number>+15557654321</Number></Dial></Response>",
    ),
    (
        'sms "Hi" to=nobody@ from="+15551234567"\n',
        '<Response><Sms to="nobody@" from="+15551234567">Hi</Sms></Response>',
    ),
    (
        'dial:\n    conference "room" beep=sometimes\n    number "+15551234567"\n',
        '<Response><Dial>\n<Conference beep="sometimes">room</Conference>\n'
        "<Number>+15551234567</Number></Dial></Response>",
    ),
]


@pytest.mark.parametrize(("flow", "xml"), SAME_MISTAKES)
def test_a_mistake_gets_the_same_codes_severities_and_lines_in_both_syntaxes(
    flow: str, xml: str
) -> None:
    flow_doc, flow_problems = check_flow(flow, "case.flow")
    xml_doc, xml_problems = check_xml(xml, "case.xml")
    assert flow_doc is None and xml_doc is None or flow_doc == xml_doc
    assert flow_problems
    assert [(p.line, p.code, p.severity) for p in flow_problems] == [
        (p.line, p.code, p.severity) for p in xml_problems
    ]


def test_messages_name_things_the_dsl_way() -> None:
    _, flow_problems = check_flow('gather timeout=abc:\n    say "x"\n')
    _, xml_problems = check_xml('<Response><Gather timeout="abc"><Say>x</Say></Gather></Response>')
    assert [p.message for p in xml_problems] == [
        "<Gather> attribute 'timeout': expected an integer from 1 to 600, got 'abc'"
    ]
    assert [p.message for p in flow_problems] == [
        "'gather' attribute 'timeout': expected an integer from 1 to 600, got 'abc'"
    ]


# --- rcml check on .flow files -------------------------------------------------------------------


def test_rcml_check_reports_flow_problems_one_line_each(tmp_path: Path) -> None:
    (tmp_path / "good.flow").write_text('say "Hello"\nhangup\n', encoding="utf-8")
    (tmp_path / "bad.flow").write_text('gathr action=/menu:\n    say "x"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output == (
        f"{tmp_path / 'bad.flow'}:1:1: error: unknown keyword 'gathr'; did you mean 'gather'?\n"
        "checked 2 files: 1 error, 0 warnings\n"
    )


def test_rcml_check_passes_a_valid_flow(tmp_path: Path) -> None:
    path = tmp_path / "ivr.flow"
    path.write_text('gather numDigits=1:\n    say "Press 1."\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 0
    assert result.output == "checked 1 file: 0 errors, 0 warnings\n"


def test_rcml_check_json_gives_the_same_codes_for_flow(tmp_path: Path) -> None:
    path = tmp_path / "bad.flow"
    path.write_text('gather timeout=abc:\n    say "x"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "--format", "json", str(path)])
    assert result.exit_code == 1
    assert json.loads(result.output) == [
        {
            "file": str(path),
            "line": 1,
            "col": 8,
            "severity": "error",
            "code": 13313,
            "message": "'gather' attribute 'timeout': expected an integer from 1 to 600, got 'abc'",
        }
    ]


# --- whatever the input, problems come back as problems ------------------------------------------

_SOUP = list("say gather dial number text :=\"'#\\\n\t  ab=1/:?,.-+*%@é\x00\r")


@settings(max_examples=200, deadline=None)
@given(st.text(st.sampled_from(_SOUP), max_size=80))
def test_any_text_gives_a_document_or_positioned_problems(source: str) -> None:
    doc, problems = check_flow(source, "soup.flow")
    lines = source.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    assert doc is not None or any(problem.is_error for problem in problems)
    for problem in problems:
        assert type(problem.message) is str
        assert 1 <= problem.line <= len(lines)
        assert problem.col is None or 1 <= problem.col <= len(lines[problem.line - 1]) + 1


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(), st.data())
def test_a_damaged_canonical_flow_gives_positioned_problems(
    doc: Response, data: st.DataObject
) -> None:
    text = to_flow(doc)
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, min(len(text), start + 3)))
    broken = text[:start] + data.draw(st.text(st.sampled_from(_SOUP), max_size=3)) + text[end:]
    _, problems = check_flow(broken, "damaged.flow")
    lines = broken.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for problem in problems:
        assert 1 <= problem.line <= len(lines)
        assert problem.col is None or 1 <= problem.col <= len(lines[problem.line - 1]) + 1
