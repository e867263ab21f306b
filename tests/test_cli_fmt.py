"""`rcml fmt` never drops comments silently; `--drop-comments` rewrites anyway."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from rcml.cli import has_comments, main

COMMENTED_XML = "<Response>\n<!-- greet the caller -->\n<Say>Hi</Say></Response>\n"
CANONICAL_XML = '<?xml version="1.0" encoding="UTF-8"?>\n<Response>\n  <Say>Hi</Say>\n</Response>\n'


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_fmt_leaves_a_commented_file_alone(tmp_path: Path) -> None:
    path = tmp_path / "a.xml"
    path.write_text(COMMENTED_XML)
    code, out, err = run("fmt", str(path))
    assert code == 1
    assert out == ""
    assert err == (
        f"not reformatted {path}: it has comments, which the canonical form does not keep "
        "(--drop-comments rewrites it anyway)\n"
    )
    assert path.read_text() == COMMENTED_XML


def test_fmt_drop_comments_rewrites(tmp_path: Path) -> None:
    path = tmp_path / "a.xml"
    path.write_text(COMMENTED_XML)
    code, out, _ = run("fmt", "--drop-comments", str(path))
    assert (code, out) == (0, f"reformatted {path}\n")
    assert path.read_text() == CANONICAL_XML


def test_fmt_check_reports_a_commented_file_as_changing(tmp_path: Path) -> None:
    path = tmp_path / "a.xml"
    path.write_text(COMMENTED_XML)
    assert run("fmt", "--check", str(path))[:2] == (1, f"would reformat {path}\n")
    assert path.read_text() == COMMENTED_XML


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('say "a # b"\n', False),  # inside a string
        ('say "a"  # why\n', True),
        ('# top\nsay "x"\n', True),
        ('gather finishOnKey="#":\n    say "x"\n', False),
        ('gather:  # prompts\n    say "x"\n', True),
        ('say "He said \\"#1\\""\n', False),
    ],
)
def test_flow_comment_detection(text: str, expected: bool) -> None:
    assert has_comments(text.encode(), "flow") is expected
