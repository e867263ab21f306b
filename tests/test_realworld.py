"""Real-world TwiML/RCML documents from public projects: each plain one passes `rcml check` or is
rejected with positioned errors; the outcome per file is kept in tests/realworld_expected.txt.

The corpus lives next to the repository (`<repo>/../shared/corpus/realworld`, described in its
SOURCES.md); the tests skip when it is absent. Documents with template placeholders (its
`templated/` folder) are not expected to be valid XML and are left out. `pytest --update-golden`
rewrites the expectation file after a reviewed change.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rcml.errors import Problem
from rcml.xml_reader import check_xml
from tests.conftest import REPO, Golden

CORPUS = REPO.parent / "shared" / "corpus" / "realworld"
EXPECTED = REPO / "tests" / "realworld_expected.txt"

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"no real-world corpus at {CORPUS}")


def _documents() -> list[Path]:
    return sorted(CORPUS.glob("*.xml")) if CORPUS.is_dir() else []


def _where(problem: Problem) -> str:
    col = "" if problem.col is None else f":{problem.col}"
    return f"{problem.code}@{problem.line}{col}"


def _outcome(path: Path) -> tuple[str, list[Problem]]:
    doc, problems = check_xml(path.read_bytes(), path.name)
    verdict = "pass" if doc is not None else "fail"
    return " ".join([f"{path.name}: {verdict}", *map(_where, problems)]), problems


def test_every_plain_document_has_the_recorded_outcome(golden: Golden) -> None:
    documents = _documents()
    assert len(documents) == 164, "the corpus changed: review the new outcomes by hand"
    lines = [_outcome(path)[0] for path in documents]
    golden.check(EXPECTED, "\n".join(lines) + "\n")


@pytest.mark.parametrize("path", _documents(), ids=lambda p: p.name)
def test_problems_are_positioned_to_the_column(path: Path) -> None:
    doc, problems = check_xml(path.read_bytes(), path.name)
    assert (doc is None) == any(problem.is_error for problem in problems)
    assert [p for p in problems if p.filename != path.name or p.line < 1 or p.col is None] == []


# Documents the corpus notes describe as not well-formed XML: each must fail with 12100.
NOT_WELL_FORMED = {
    "008-bosco-ai.xml", "034-tk-1520.xml", "041-public.xml", "063-restcomm-connect.xml",
    "072-restcomm-connect.xml", "075-restcomm-connect.xml", "076-restcomm-connect.xml",
    "083-restcomm-connect.xml", "084-restcomm-connect.xml", "102-siprtc.xml", "103-siprtc.xml",
    "125-twimail.xml",
}  # fmt: skip


def test_documents_that_are_not_well_formed_fail_as_malformed_xml() -> None:
    malformed = set()
    for path in _documents():
        _, problems = _outcome(path)
        if any(problem.code == 12100 for problem in problems):
            assert len(problems) == 1  # the parser stops at the first error
            malformed.add(path.name)
    assert malformed == NOT_WELL_FORMED
