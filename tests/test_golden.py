"""Golden documents: valid ones parse cleanly and cover the language; invalid ones report exactly
the lines of their `.expected` file, as `rcml check` prints them (`--update-golden` rewrites).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from rcml import nodes as n
from rcml.cli import main
from rcml.names import ELEMENTS, SPEC_OF, non_defaults
from rcml.xml_reader import check_xml, parse_xml
from rcml.xml_writer import to_xml
from tests.conftest import GOLDEN, Golden

VALID = sorted((GOLDEN / "valid").glob("*.xml"))
INVALID = sorted((GOLDEN / "invalid").glob("*.xml"))


def _report(path: Path, source: str | bytes | None = None) -> str:
    """What `rcml check` prints for the file (its name only, so the cwd does not matter)."""
    _, problems = check_xml(path.read_bytes() if source is None else source, path.name)
    return "".join(problem.format() + "\n" for problem in problems)


def _as_text(path: Path) -> str | None:
    """The file as a str when it is UTF-8 and does not declare another encoding."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    head = text[:100].lower()
    return None if "encoding=" in head and "utf-8" not in head else text


def test_corpus_sizes() -> None:
    assert len(VALID) >= 45
    assert len(INVALID) >= 45
    assert all(path.with_suffix(".expected").exists() for path in INVALID)


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_valid_document_has_no_errors(path: Path, golden: Golden) -> None:
    doc, problems = check_xml(path.read_bytes(), path.name)
    report = _report(path)
    assert doc is not None, report
    assert not any(problem.is_error for problem in problems)
    expected = path.with_suffix(".expected")  # only for documents with warnings (<Uri>)
    if problems or expected.exists():
        golden.check(expected, report)


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
def test_invalid_document_reports_expected_lines(path: Path, golden: Golden) -> None:
    report = _report(path)
    assert report, f"{path.name} reports no problem"
    golden.check(path.with_suffix(".expected"), report)


def test_expected_lines_are_what_rcml_check_prints() -> None:
    folder = GOLDEN / "invalid"
    result = CliRunner().invoke(main, ["check", str(folder)])
    *lines, summary = result.stdout.splitlines()
    printed = "".join(line.removeprefix(f"{folder}/") + "\n" for line in lines)
    expected = "".join(
        path.with_suffix(".expected").read_text(encoding="utf-8") for path in INVALID
    )
    assert printed == expected
    assert summary.startswith(f"checked {len(INVALID)} files: ")
    assert result.exit_code == 1


@pytest.mark.parametrize("path", VALID + INVALID, ids=lambda p: p.name)
def test_str_and_bytes_sources_agree(path: Path) -> None:
    text = _as_text(path)
    if text is None:
        pytest.skip("not UTF-8: only bytes can carry it")
    assert _report(path, text) == _report(path)


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_valid_document_survives_canonical_round_trip(path: Path) -> None:
    doc = parse_xml(path.read_bytes(), path.name)
    assert parse_xml(to_xml(doc)) == doc


def _nodes(node: n.Node) -> Iterator[n.Node]:
    yield node
    spec = SPEC_OF.get(type(node))
    if spec is None:  # Ssml
        assert isinstance(node, n.Ssml)
        for item in node.content:
            if isinstance(item, n.Ssml):
                yield from _nodes(item)
        return
    for field in spec.single_children.values():
        child = getattr(node, field)
        if child is not None:
            yield from _nodes(child)
    if spec.children_field:
        for child in getattr(node, spec.children_field):
            yield from _nodes(child)
    if isinstance(node, n.Say):
        for item in node.ssml:
            if isinstance(item, n.Ssml):
                yield from _nodes(item)


def _valid_nodes() -> list[n.Node]:
    return [node for path in VALID for node in _nodes(parse_xml(path.read_bytes()))]


def test_valid_corpus_uses_every_node_class() -> None:
    used = {type(node) for node in _valid_nodes()}
    assert set(n.NODE_CLASSES) - used == set()


def test_valid_corpus_gives_every_attribute_a_non_default_value() -> None:
    used = {
        (type(node).tag, attr.xml)
        for node in _valid_nodes()
        if not isinstance(node, n.Ssml)
        for attr, _ in non_defaults(node)
    }
    every = {(tag, xml) for tag, spec in ELEMENTS.items() for xml in spec.attrs}
    assert every - used == set()


def test_valid_corpus_uses_every_ssml_element_and_attribute() -> None:
    used = {
        (node.name, name)
        for node in _valid_nodes()
        if isinstance(node, n.Ssml)
        for name in ("", *dict(node.attributes))
    }
    every = {(tag, name) for tag, names in n.SSML_ATTRIBUTES.items() for name in ("", *names)}
    assert every - used == set()


def test_valid_corpus_uses_target_aliases_and_identity() -> None:
    """The forms the AST cannot show: `name` instead of text, and <Client><Identity>."""
    used = set()
    for path in VALID:
        source = path.read_bytes().lstrip(b"\xef\xbb\xbf \t\r\n")
        for el in etree.fromstring(source).iter(etree.Element):
            used.update((el.tag, name) for name in el.keys())
            used.add((el.tag, ""))
    wanted = {("Client", "name"), ("Sip", "name"), ("Conference", "name"), ("Identity", "")}
    assert wanted - used == set()
