"""`/flows/<path>`: documents from the flows folder — `.xml` as is, `.xml.j2` rendered with the
request's parameters (Jinja2, sandboxed, XML-escaped), `.flow` compiled to XML."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, request
from jinja2 import FileSystemLoader, TemplateError, select_autoescape
from jinja2.sandbox import SandboxedEnvironment
from werkzeug.security import safe_join

XML_TYPE = "text/xml; charset=utf-8"
TEXT_TYPE = "text/plain; charset=utf-8"
FLOWS_KEY = "rcml.flows"


class FlowFolder:
    """One folder of flows and the sandboxed template environment reading from it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.templates = SandboxedEnvironment(
            loader=FileSystemLoader(folder),
            autoescape=select_autoescape(default=True, default_for_string=True),
            auto_reload=True,
        )

    def path(self, name: str) -> Path | None:
        """The file `name` inside the folder; None for anything outside it or missing."""
        joined = safe_join(str(self.folder), name)
        if joined is None:
            return None
        path = Path(joined)
        return path if path.is_file() else None


def _xml(path: Path, name: str, folder: FlowFolder, params: dict[str, str]) -> Response:
    return Response(path.read_bytes(), content_type=XML_TYPE)


def _template(path: Path, name: str, folder: FlowFolder, params: dict[str, str]) -> Response:
    try:
        text = folder.templates.get_template(name).render(**params, params=params)
    except TemplateError as exc:
        return Response(f"{name}: template error: {exc}\n", 500, content_type=TEXT_TYPE)
    return Response(text, content_type=XML_TYPE)


def _flow(path: Path, name: str, folder: FlowFolder, params: dict[str, str]) -> Response:
    from rcml.flow_reader import check_flow
    from rcml.xml_writer import to_xml

    source = path.read_text(encoding="utf-8", errors="replace")
    document, problems = check_flow(source, name)
    errors = [problem for problem in problems if problem.is_error]
    if document is None or errors:
        text = "\n".join(problem.format() for problem in errors) + "\n"
        return Response(text, 500, content_type=TEXT_TYPE)
    return Response(to_xml(document), content_type=XML_TYPE)


Server = Callable[[Path, str, FlowFolder, dict[str, str]], Response]
SERVERS: tuple[tuple[str, Server], ...] = ((".xml.j2", _template), (".xml", _xml), (".flow", _flow))

routes = Blueprint("flows", __name__)


@routes.route("/flows/<path:name>", methods=["GET", "POST"])
def flow(name: str) -> Response:
    folder: FlowFolder = current_app.extensions[FLOWS_KEY]
    server = next((serve for suffix, serve in SERVERS if name.endswith(suffix)), None)
    path = folder.path(name) if server is not None else None
    if server is None or path is None:
        abort(404)
    params = {key: values[-1] for key, values in request.values.lists()}
    return server(path, name, folder, params)
