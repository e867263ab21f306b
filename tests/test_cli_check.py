"""`rcml check`, `rcml fmt` and `rcml convert --to xml` through click's runner, and the example
flows in flows/ (all valid, and every relative URL they use names another flow)."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner, Result

from rcml import nodes as n
from rcml.cli import main
from rcml.names import SPEC_OF
from rcml.xml_reader import parse_xml
from tests.conftest import REPO

FLOWS = REPO / "flows"

VALID = "<Response>\n  <Say>Hello</Say>\n</Response>\n"
WITH_WARNING = "<Response>\n  <Dial><Uri>sip:a@example.com</Uri></Dial>\n</Response>\n"
INVALID = '<Response>\n  <Say loop="many">Hi</Say>\n  <Gatherr/>\n</Response>\n'


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A folder with documents at two levels, plus a file that is not a document."""
    (tmp_path / "a.xml").write_text(VALID, encoding="utf-8")
    (tmp_path / "nested" / "deeper").mkdir(parents=True)
    (tmp_path / "nested" / "b.xml").write_text(INVALID, encoding="utf-8")
    (tmp_path / "nested" / "deeper" / "c.xml").write_text(WITH_WARNING, encoding="utf-8")
    (tmp_path / "nested" / "notes.txt").write_text("not a document", encoding="utf-8")
    return tmp_path


# --- rcml check ------------------------------------------------------------------------------


def test_check_valid_file_prints_only_the_summary(tmp_path: Path) -> None:
    path = tmp_path / "ok.xml"
    path.write_text(VALID, encoding="utf-8")
    result = run("check", str(path))
    assert result.exit_code == 0
    assert result.stdout == "checked 1 file: 0 errors, 0 warnings\n"
    assert result.stderr == ""


def test_check_prints_one_line_per_problem_then_the_summary(tmp_path: Path) -> None:
    path = tmp_path / "bad.xml"
    path.write_text(INVALID, encoding="utf-8")
    result = run("check", str(path))
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{path}:2:8: error: <Say> attribute 'loop': expected an integer from 0 to 1000, "
        "got 'many'",
        f"{path}:3:3: error: unknown element <Gatherr> in <Response>; did you mean <Gather>? "
        "allowed here: Say, Play, Pause, Gather, Record, Dial, Hangup, Redirect, Reject, Sms, "
        "Email, Fax, Enqueue, Leave",
        "checked 1 file: 2 errors, 0 warnings",
    ]


def test_check_warnings_alone_exit_zero(tmp_path: Path) -> None:
    path = tmp_path / "warn.xml"
    path.write_text(WITH_WARNING, encoding="utf-8")
    result = run("check", str(path))
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        f"{path}:2:9: warning: <Uri> is deprecated; use <Sip>",
        "checked 1 file: 0 errors, 1 warning",
    ]


def test_check_searches_folders_recursively_in_path_order(tree: Path) -> None:
    result = run("check", str(tree))
    b, c = tree / "nested" / "b.xml", tree / "nested" / "deeper" / "c.xml"
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert [line.split(": ")[0] for line in lines[:-1]] == [f"{b}:2:8", f"{b}:3:3", f"{c}:2:9"]
    assert lines[-1] == "checked 3 files: 2 errors, 1 warning"


def test_check_json_prints_exact_problem_objects(tree: Path) -> None:
    result = run("check", "--format", "json", str(tree / "nested"))
    assert result.exit_code == 1
    assert json.loads(result.stdout) == [
        {
            "file": str(tree / "nested" / "b.xml"),
            "line": 2,
            "col": 8,
            "severity": "error",
            "code": 13510,
            "message": "<Say> attribute 'loop': expected an integer from 0 to 1000, got 'many'",
        },
        {
            "file": str(tree / "nested" / "b.xml"),
            "line": 3,
            "col": 3,
            "severity": "error",
            "code": 12200,
            "message": "unknown element <Gatherr> in <Response>; did you mean <Gather>? allowed "
            "here: Say, Play, Pause, Gather, Record, Dial, Hangup, Redirect, Reject, Sms, Email, "
            "Fax, Enqueue, Leave",
        },
        {
            "file": str(tree / "nested" / "deeper" / "c.xml"),
            "line": 2,
            "col": 9,
            "severity": "warning",
            "code": 99003,
            "message": "<Uri> is deprecated; use <Sip>",
        },
    ]


def test_check_json_of_a_valid_file_is_an_empty_list(tmp_path: Path) -> None:
    path = tmp_path / "ok.xml"
    path.write_text(VALID, encoding="utf-8")
    result = run("check", "--format", "json", str(path))
    assert (result.exit_code, json.loads(result.stdout)) == (0, [])


def test_check_json_gives_null_for_an_unknown_column(tmp_path: Path) -> None:
    path = tmp_path / "huge.xml"
    path.write_bytes(b"<Response>" + b" " * (1024 * 1024) + b"</Response>")
    result = run("check", "--format", "json", str(path))
    assert result.exit_code == 1
    [problem] = json.loads(result.stdout)
    assert (problem["line"], problem["col"], problem["code"]) == (1, None, 12100)


def test_check_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.xml"
    result = run("check", str(missing))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"rcml check: {missing}: no such file or directory\n"


def test_check_file_that_is_not_a_document_is_a_usage_error(tree: Path) -> None:
    notes = tree / "nested" / "notes.txt"
    result = run("check", str(tree / "a.xml"), str(notes))
    assert result.exit_code == 2
    assert result.stdout == "checked 1 file: 0 errors, 0 warnings\n"
    assert (
        result.stderr
        == f"rcml check: {notes}: unknown document type '.txt'; expected .xml or .flow\n"
    )


def test_check_unreadable_file_is_a_usage_error(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = tree / "a.xml"
    read_bytes = Path.read_bytes

    def refuse(self: Path) -> bytes:
        if self == locked:
            raise PermissionError(13, "Permission denied", str(self))
        return read_bytes(self)

    # Tests may run as root, for whom file modes do not stop reading.
    monkeypatch.setattr(Path, "read_bytes", refuse)
    result = run("check", str(locked), str(tree / "nested" / "b.xml"))
    assert result.exit_code == 2
    assert result.stdout.splitlines()[-1] == "checked 1 file: 2 errors, 0 warnings"
    assert result.stderr == f"rcml check: {locked}: Permission denied\n"


def test_check_malformed_xml_is_an_error_not_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.xml"
    path.write_text("<Response>\n  <Say>Fish & chips</Say>\n</Response>\n", encoding="utf-8")
    result = run("check", str(path))
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{path}:2:14: error: a bare '&' is not allowed in XML; write '&amp;'",
        "checked 1 file: 1 error, 0 warnings",
    ]


def test_check_needs_a_path() -> None:
    result = run("check")
    assert result.exit_code == 2
    assert "Missing argument 'PATHS...'" in result.stderr


# --- rcml fmt and rcml convert ---------------------------------------------------------------

MESSY = (
    '<?xml version="1.0"?>\n<Response><Say   loop="1" voice="WOMAN">  Hello\n  there </Say>'
    '<Gather method="post" numDigits="01"><Say>Press 1</Say></Gather>'
    "<Dial><Number>+15551234567</Number></Dial></Response>"
)
CANONICAL = """<?xml version="1.0" encoding="UTF-8"?>
<Response>
  <Say voice="woman">Hello there</Say>
  <Gather numDigits="1">
    <Say>Press 1</Say>
  </Gather>
  <Dial>+15551234567</Dial>
</Response>
"""


def test_fmt_check_reports_a_file_that_would_change_and_leaves_it(tmp_path: Path) -> None:
    path = tmp_path / "messy.xml"
    path.write_text(MESSY, encoding="utf-8")
    result = run("fmt", "--check", str(path))
    assert result.exit_code == 1
    assert result.stdout == f"would reformat {path}\n"
    assert path.read_text(encoding="utf-8") == MESSY


def test_fmt_rewrites_in_canonical_form_then_check_passes(tmp_path: Path) -> None:
    path = tmp_path / "messy.xml"
    path.write_text(MESSY, encoding="utf-8")
    result = run("fmt", str(path))
    assert result.exit_code == 0
    assert result.stdout == f"reformatted {path}\n"
    assert path.read_text(encoding="utf-8") == CANONICAL
    again = run("fmt", "--check", str(path))
    assert (again.exit_code, again.stdout) == (0, "")


def test_fmt_refuses_an_invalid_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.xml"
    path.write_text(INVALID, encoding="utf-8")
    result = run("fmt", str(path))
    assert result.exit_code == 1
    assert path.read_text(encoding="utf-8") == INVALID
    assert result.stderr.splitlines()[0] == (
        f"{path}:2:8: error: <Say> attribute 'loop': expected an integer from 0 to 1000, got 'many'"
    )


def test_convert_to_xml_prints_the_canonical_form(tmp_path: Path) -> None:
    path = tmp_path / "messy.xml"
    path.write_text(MESSY, encoding="utf-8")
    result = run("convert", str(path), "--to", "xml")
    assert result.exit_code == 0
    assert result.stdout == CANONICAL


def test_convert_invalid_input_exits_one(tmp_path: Path) -> None:
    path = tmp_path / "bad.xml"
    path.write_text(INVALID, encoding="utf-8")
    result = run("convert", str(path), "--to", "xml")
    assert result.exit_code == 1
    assert result.stdout == ""


def test_convert_missing_file_exits_two(tmp_path: Path) -> None:
    result = run("convert", str(tmp_path / "nope.xml"), "--to", "xml")
    assert result.exit_code == 2


# --- the example flows -----------------------------------------------------------------------

FLOW_FILES = sorted(FLOWS.glob("*.xml"))
EXAMPLES = ("welcome", "ivr-menu", "dial-voicemail", "conference-moderator", "sms-followup",
            "call-queue")  # fmt: skip


def test_the_example_flows_exist() -> None:
    names = {path.stem for path in FLOW_FILES}
    assert set(EXAMPLES) <= names


def test_every_flow_passes_rcml_check() -> None:
    result = run("check", str(FLOWS))
    assert result.stdout == f"checked {len(FLOW_FILES)} files: 0 errors, 0 warnings\n"
    assert result.exit_code == 0


@pytest.mark.parametrize("path", FLOW_FILES, ids=lambda p: p.name)
def test_every_flow_explains_itself_in_comments(path: Path) -> None:
    assert "<!--" in path.read_text(encoding="utf-8")


def _urls(node: n.Node) -> list[str]:
    """Every URL a node names: URL-typed attributes and URL texts, then its children's."""
    spec = SPEC_OF[type(node)]
    found = [
        getattr(node, attr.field)
        for attr in spec.attrs.values()
        if attr.xml.lower().endswith(("url", "action", "callback")) and getattr(node, attr.field)
    ]
    if spec.text_rule is not None and spec.text_rule.kind == "url":
        found.append(getattr(node, spec.text_field or ""))
    for field in spec.single_children.values():
        if getattr(node, field) is not None:
            found.extend(_urls(getattr(node, field)))
    if spec.children_field:
        for child in getattr(node, spec.children_field):
            found.extend(_urls(child))
    return found


@pytest.mark.parametrize("path", FLOW_FILES, ids=lambda p: p.name)
def test_relative_urls_in_flows_name_other_flows(path: Path) -> None:
    urls = _urls(parse_xml(path.read_bytes(), str(path)))
    relative = [url for url in urls if not urlsplit(url).scheme]
    missing = [url for url in relative if not (FLOWS / urlsplit(url).path).is_file()]
    assert missing == []
