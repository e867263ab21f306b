"""The flows blueprint: .xml as is, sandboxed autoescaped .xml.j2, .flow compiled, 404s."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient


@pytest.fixture
def flows(read_app: Flask) -> Path:
    folder: Path = read_app.extensions["rcml"].config.flows_dir
    (folder / "menu").mkdir()
    (folder / "hello.xml").write_text("<Response><Say>Hello</Say></Response>\n")
    (folder / "menu" / "greet.xml.j2").write_text(
        "<Response><Say>Hello {{ From }}, you pressed {{ Digits }}</Say>"
        "<Say>{{ params['StartTime<'] }}</Say></Response>"
    )
    (folder / "escape.xml.j2").write_text("<Response><Say>{{ Name }}</Say></Response>")
    (folder / "unsafe.xml.j2").write_text("{{ ''.__class__.__mro__ }}")
    (folder / "broken.xml.j2").write_text("{% if %}")
    (folder / "bye.flow").write_text('say "Goodbye"\nhangup\n')
    (folder / "bad.flow").write_text("sya 'x'\n")
    return folder


def test_xml_is_served_as_is(read_client: FlaskClient, flows: Path) -> None:
    for method in ("GET", "POST"):
        response = read_client.open("/flows/hello.xml", method=method)
        assert response.status_code == 200
        assert response.content_type == "text/xml; charset=utf-8"
        assert response.get_data(as_text=True) == "<Response><Say>Hello</Say></Response>\n"


def test_templates_see_the_request_parameters(read_client: FlaskClient, flows: Path) -> None:
    response = read_client.post(
        "/flows/menu/greet.xml.j2?From=ignored",
        data={"From": "+15550001111", "Digits": "42", "StartTime<": "today"},
    )
    assert response.status_code == 200
    assert response.content_type == "text/xml; charset=utf-8"
    assert response.get_data(as_text=True) == (
        "<Response><Say>Hello +15550001111, you pressed 42</Say><Say>today</Say></Response>"
    )
    query = read_client.get("/flows/menu/greet.xml.j2?From=alice&Digits=1")
    assert "Hello alice, you pressed 1" in query.get_data(as_text=True)


def test_template_values_are_xml_escaped(read_client: FlaskClient, flows: Path) -> None:
    response = read_client.get("/flows/escape.xml.j2", query_string={"Name": "<Hangup/> & co"})
    assert response.get_data(as_text=True) == (
        "<Response><Say>&lt;Hangup/&gt; &amp; co</Say></Response>"
    )


def test_templates_are_sandboxed(read_client: FlaskClient, flows: Path) -> None:
    response = read_client.get("/flows/unsafe.xml.j2")
    assert response.status_code == 500
    assert response.get_data(as_text=True) == (
        "unsafe.xml.j2: template error: "
        "access to attribute '__class__' of 'str' object is unsafe.\n"
    )


def test_a_broken_template_is_a_500(read_client: FlaskClient, flows: Path) -> None:
    response = read_client.get("/flows/broken.xml.j2")
    assert response.status_code == 500
    assert response.get_data(as_text=True).startswith("broken.xml.j2: template error: ")


def test_flow_files_are_compiled_to_xml(read_client: FlaskClient, flows: Path) -> None:
    from rcml.flow_reader import parse_flow
    from rcml.xml_writer import to_xml

    response = read_client.get("/flows/bye.flow")
    assert response.status_code == 200
    assert response.content_type == "text/xml; charset=utf-8"
    expected = to_xml(parse_flow((flows / "bye.flow").read_text()))
    assert response.get_data(as_text=True) == expected
    assert "<Say>Goodbye</Say>" in expected


def test_an_invalid_flow_is_a_500_naming_the_problem(read_client: FlaskClient, flows: Path) -> None:
    response = read_client.get("/flows/bad.flow")
    assert response.status_code == 500
    assert response.get_data(as_text=True).startswith("bad.flow:1:")


@pytest.mark.parametrize(
    "path",
    [
        "/flows/missing.xml",
        "/flows/menu",
        "/flows/hello.txt",
        "/flows/../rcml.db",
        "/flows/%2e%2e/rcml.db",
        "/flows/menu/..%2f..%2frcml.db",
        "/flows//etc/passwd.xml",
    ],
)
def test_unknown_or_outside_paths_are_404(read_client: FlaskClient, flows: Path, path: str) -> None:
    (flows.parent / "secret.xml").write_text("<Response/>")
    response = read_client.get(path, follow_redirects=True)
    assert response.status_code == 404
    assert response.get_data(as_text=True) == "404 Not Found\n"
    assert read_client.get("/flows/../secret.xml").status_code == 404
