"""`load(path)`: read a document from a file, choosing the syntax by its suffix."""

from __future__ import annotations

from pathlib import Path

from rcml import nodes as n
from rcml.errors import Problem, RcmlError

SUFFIXES = (".xml", ".flow")


def syntax_of(path: str | Path) -> str:
    """'xml' or 'flow' from the file name; ValueError for anything else."""
    suffix = Path(path).suffix.lower()
    if suffix == ".flow":
        return "flow"
    if suffix == ".xml":
        return "xml"
    raise ValueError(f"{path}: unknown document type '{suffix}'; expected .xml or .flow")


def check_source(source: bytes, filename: str, syntax: str
                 ) -> tuple[n.Response | None, list[Problem]]:  # fmt: skip
    """Parse and validate a document in either syntax; (document or None, every problem)."""
    if syntax == "flow":
        from rcml.flow_reader import check_flow

        try:
            text = source.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = source[: exc.start].count(b"\n") + 1
            col = exc.start - (source.rfind(b"\n", 0, exc.start) + 1) + 1
            return None, [Problem(filename, line, col, 12100, f"invalid UTF-8: {exc.reason}")]
        return check_flow(text, filename)
    from rcml.xml_reader import check_xml

    return check_xml(source, filename)


def load(path: str | Path) -> n.Response:
    """Read and validate the document at `path` (.xml or .flow); raises RcmlError on errors."""
    syntax = syntax_of(path)
    doc, problems = check_source(Path(path).read_bytes(), str(path), syntax)
    if doc is None:
        raise RcmlError([p for p in problems if p.is_error])
    return doc
