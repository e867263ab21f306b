"""Parity of the syntaxes: each golden valid XML document has a `.flow` twin that reads the same.

`tests/golden/valid/NAME.xml` and `NAME.flow` must both exist (a case in one syntax only fails),
parse to equal documents, and report the same warnings. Most twins were written by `to_flow` and
reviewed; a few were written by hand (comments, `identity`, text blocks) to keep the DSL honest
about readability. A new XML case needs its twin: `rcml convert NAME.xml --to flow > NAME.flow`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rcml import nodes as n
from rcml.flow_reader import check_flow, parse_flow
from rcml.flow_writer import to_flow
from rcml.xml_reader import check_xml, parse_xml
from rcml.xml_writer import to_xml

VALID = Path(__file__).parent / "golden" / "valid"


def one_sided(folder: Path) -> tuple[list[str], list[str]]:
    """Stems of the cases that exist only as .xml, and only as .flow, in `folder`."""
    xml = {path.stem for path in folder.glob("*.xml")}
    flow = {path.stem for path in folder.glob("*.flow")}
    return sorted(xml - flow), sorted(flow - xml)


def twins(folder: Path) -> list[str]:
    return sorted({p.stem for p in folder.glob("*.xml")} & {p.stem for p in folder.glob("*.flow")})


def test_every_golden_case_exists_in_both_syntaxes() -> None:
    xml_only, flow_only = one_sided(VALID)
    assert xml_only == [], f"XML cases without a .flow twin: {xml_only}"
    assert flow_only == [], f".flow cases without an XML twin: {flow_only}"


def test_a_case_in_one_syntax_only_is_found(tmp_path: Path) -> None:
    for name in ("both.xml", "both.flow", "only.xml", "alone.flow"):
        (tmp_path / name).write_text("", encoding="utf-8")
    assert one_sided(tmp_path) == (["only"], ["alone"])
    assert twins(tmp_path) == ["both"]


def _read_both(stem: str) -> tuple[n.Response, n.Response, list[object], list[object]]:
    xml_path, flow_path = VALID / f"{stem}.xml", VALID / f"{stem}.flow"
    xml_doc, xml_problems = check_xml(xml_path.read_bytes(), xml_path.name)
    flow_doc, flow_problems = check_flow(flow_path.read_text(encoding="utf-8"), flow_path.name)
    assert xml_doc is not None, [p.format() for p in xml_problems]
    assert flow_doc is not None, [p.format() for p in flow_problems]
    return (
        xml_doc,
        flow_doc,
        [(p.code, p.severity) for p in xml_problems],
        [(p.code, p.severity) for p in flow_problems],
    )


@pytest.mark.parametrize("stem", twins(VALID))
def test_twins_read_as_equal_documents_with_the_same_warnings(stem: str) -> None:
    xml_doc, flow_doc, xml_warnings, flow_warnings = _read_both(stem)
    assert flow_doc == xml_doc
    assert flow_warnings == xml_warnings


@pytest.mark.parametrize("stem", twins(VALID))
def test_golden_documents_round_trip_through_either_writer(stem: str) -> None:
    xml_doc, flow_doc, _, _ = _read_both(stem)
    assert parse_flow(to_flow(xml_doc)) == xml_doc
    assert parse_xml(to_xml(flow_doc)) == flow_doc
