"""The `rcml` command line: check, convert, fmt, schema."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import click

from rcml import nodes as n
from rcml.errors import Problem
from rcml.loading import SUFFIXES, check_source, syntax_of

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


class Unreadable(Exception):
    """A path that cannot be read as a document (missing, a directory without documents, I/O)."""


def _documents(paths: tuple[str, ...]) -> Iterator[Path]:
    """Files named, and .xml/.flow files found recursively in folders named, in sorted order."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from sorted(
                p for p in path.rglob("*") if p.suffix.lower() in SUFFIXES and p.is_file()
            )
        elif path.exists():
            yield path
        else:
            raise Unreadable(f"{raw}: no such file or directory")


def _read(path: Path) -> tuple[bytes, str]:
    try:
        syntax = syntax_of(path)
    except ValueError as exc:
        raise Unreadable(str(exc)) from None
    try:
        return path.read_bytes(), syntax
    except OSError as exc:
        raise Unreadable(f"{path}: {exc.strerror or exc}") from None


def _check_file(path: Path) -> tuple[n.Response | None, list[Problem], bytes]:
    source, syntax = _read(path)
    doc, problems = check_source(source, str(path), syntax)
    return doc, problems, source


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' * (count != 1)}"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="rcml")
def main() -> None:
    """Write, check and simulate RCML/TwiML voice call flows."""


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "output", type=click.Choice(["text", "json"]), default="text",
              help="text: one line per problem; json: a list of problem objects.")  # fmt: skip
def check(paths: tuple[str, ...], output: str) -> None:
    """Validate RCML documents (.xml and .flow; folders are searched recursively)."""
    problems: list[Problem] = []
    files = 0
    unreadable: list[str] = []
    try:
        documents = list(_documents(paths))
    except Unreadable as exc:
        click.echo(f"rcml check: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    for path in documents:
        try:
            _, found, _ = _check_file(path)
        except Unreadable as exc:
            unreadable.append(str(exc))
            continue
        files += 1
        problems.extend(found)
    errors = sum(p.is_error for p in problems)
    if output == "json":
        click.echo(json.dumps([p.to_json() for p in problems], indent=2, ensure_ascii=False))
    else:
        for problem in problems:
            click.echo(problem.format())
        warnings = len(problems) - errors
        click.echo(f"checked {_plural(files, 'file')}: {_plural(errors, 'error')}, "
                   f"{_plural(warnings, 'warning')}")  # fmt: skip
    for message in unreadable:
        click.echo(f"rcml check: {message}", err=True)
    if unreadable:
        sys.exit(EXIT_USAGE)
    sys.exit(EXIT_INVALID if errors else EXIT_OK)


def _render(doc: n.Response, syntax: str) -> str:
    if syntax == "flow":
        from rcml.flow_writer import to_flow

        return to_flow(doc)
    from rcml.xml_writer import to_xml

    return to_xml(doc)


def _report_errors(problems: list[Problem]) -> None:
    for problem in problems:
        if problem.is_error:
            click.echo(problem.format(), err=True)


@main.command()
@click.argument("path")
@click.option("--to", "target", type=click.Choice(["xml", "flow"]), required=True,
              help="The syntax to print.")  # fmt: skip
def convert(path: str, target: str) -> None:
    """Print a document in canonical form of the other (or the same) syntax."""
    try:
        doc, problems, _ = _check_file(Path(path))
    except Unreadable as exc:
        click.echo(f"rcml convert: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    if doc is None:
        _report_errors(problems)
        sys.exit(EXIT_INVALID)
    click.echo(_render(doc, target), nl=False)


_FLOW_STRING = re.compile(r'"[^"\\\n]*(?:\\.[^"\\\n]*)*"')
_FLOW_COMMENT = re.compile(r"(?:^|(?<=[ \t:]))#", re.MULTILINE)


def has_comments(source: bytes, syntax: str) -> bool:
    """Whether a document has comments, which the canonical form does not keep."""
    if syntax == "xml":
        return b"<!--" in source
    text = _FLOW_STRING.sub('""', source.decode("utf-8", "replace"))
    return _FLOW_COMMENT.search(text) is not None


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--check", "check_only", is_flag=True,
              help="Only report files that would change; write nothing.")  # fmt: skip
@click.option("--drop-comments", is_flag=True,
              help="Rewrite files that have comments too (canonical form has none).")  # fmt: skip
def fmt(paths: tuple[str, ...], check_only: bool, drop_comments: bool) -> None:
    """Rewrite documents in canonical form (in their own syntax).

    The canonical form keeps no comments, so a file with comments is left alone (and counts as
    one that would change) unless --drop-comments is given: formatting never loses words silently.
    """
    try:
        documents = list(_documents(paths))
    except Unreadable as exc:
        click.echo(f"rcml fmt: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    status = EXIT_OK
    for path in documents:
        try:
            doc, problems, source = _check_file(path)
        except Unreadable as exc:
            click.echo(f"rcml fmt: {exc}", err=True)
            sys.exit(EXIT_USAGE)
        if doc is None:
            _report_errors(problems)
            status = EXIT_INVALID
            continue
        canonical = _render(doc, syntax_of(path)).encode("utf-8")
        if canonical == source:
            continue
        if check_only:
            click.echo(f"would reformat {path}")
            status = EXIT_INVALID
        elif has_comments(source, syntax_of(path)) and not drop_comments:
            click.echo(f"not reformatted {path}: it has comments, which the canonical form "
                       "does not keep (--drop-comments rewrites it anyway)", err=True)  # fmt: skip
            status = EXIT_INVALID
        else:
            path.write_bytes(canonical)
            click.echo(f"reformatted {path}")
    sys.exit(status)


@main.command()
def schema() -> None:
    """Print an XML Schema (XSD 1.0) of RCML for editors."""
    from rcml.schema import to_xsd

    click.echo(to_xsd(), nl=False)


from rcml.run_command import run  # noqa: E402 - the command modules import the CLI's helpers
from rcml.serve_command import serve  # noqa: E402

main.add_command(run)
main.add_command(serve)

if __name__ == "__main__":  # pragma: no cover
    main()
