"""The portal's static files (web/): what a strict CSP allows, texts in both
languages, the API's enumerations all named, nothing loaded from elsewhere."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from chalicelib.domain.provinces import PROVINCES

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
PAGES = sorted(WEB.glob("*.html"))
SCRIPTS = sorted(WEB.glob("js/**/*.js"))
SPEC = json.loads((ROOT / "chalicelib" / "openapi.json").read_text(encoding="utf-8"))


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.inline_script = False
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline_script = True


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def js_object_keys(path: Path, name: str) -> set[str]:
    text = path.read_text(encoding="utf-8")
    body = text[text.index(f"export const {name}") :]
    body = body[: body.index("\n});")]
    return set(re.findall(r'^\s*"([\w.-]+)":', body, flags=re.MULTILINE))


def test_there_are_the_pages_of_the_issue() -> None:
    names = {page.name for page in PAGES}
    assert {
        "index.html",
        "register.html",
        "confirmation.html",
        "status.html",
        "signin.html",
        "password.html",
        "account.html",
        "recovery.html",
        "signed.html",
        "desk.html",
        "paper.html",
        "dashboard.html",
    } <= names


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_page_is_csp_clean_and_vietnamese_first(path: Path) -> None:
    page = parse(path)
    assert not page.inline_script, "inline script"
    tags = page.tags
    assert not [t for t, _ in tags if t == "style"], "inline <style>"
    for tag, attrs in tags:
        assert "style" not in attrs, f"style attribute on <{tag}>"
        assert not [a for a in attrs if a.startswith("on")], f"event handler attribute on <{tag}>"
        for attribute in ("src", "href", "action"):
            value = attrs.get(attribute) or ""
            assert not re.match(r"^(https?:)?//", value), f"<{tag} {attribute}={value}> loads from elsewhere"
    (html,) = [attrs for tag, attrs in tags if tag == "html"]
    assert html["lang"] == "vi"
    assert "h1" in [tag for tag, _ in tags]
    scripts = [attrs for tag, attrs in tags if tag == "script"]
    assert len(scripts) == 1 and scripts[0]["type"] == "module"
    assert (WEB / str(scripts[0]["src"])).is_file()
    assert any(tag == "a" and attrs.get("class") == "skip-link" for tag, attrs in tags)


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_every_control_has_a_label(path: Path) -> None:
    tags = parse(path).tags
    labelled = {attrs.get("for") for tag, attrs in tags if tag == "label"}
    for tag, attrs in tags:
        if tag in ("input", "select", "textarea") and attrs.get("type") != "hidden":
            assert attrs.get("id") in labelled, f"{path.name}: <{tag} id={attrs.get('id')}> has no <label for>"


def test_every_marked_text_has_its_english() -> None:
    english = js_object_keys(WEB / "js" / "html-strings.js", "HTML_EN")
    for path in PAGES:
        for tag, attrs in parse(path).tags:
            for attribute in ("data-i18n", "data-i18n-label"):
                key = attrs.get(attribute)
                if key is not None:
                    assert key in english, f"{path.name}: <{tag} {attribute}={key}> has no English text"


def test_every_text_a_script_asks_for_exists_in_both_languages() -> None:
    strings = (WEB / "js" / "strings.js").read_text(encoding="utf-8")
    keys = js_object_keys(WEB / "js" / "strings.js", "STRINGS")
    for key in keys:
        entry = re.search(rf'"{re.escape(key)}": \{{\s*vi: "[^"]+",\s*en: "[^"]+"', strings)
        assert entry, f"{key} needs a Vietnamese and an English text"
    for path in SCRIPTS:
        for key in re.findall(r'\bt\("([\w.-]+)"', path.read_text(encoding="utf-8")):
            assert key in keys, f"{path.relative_to(WEB)} asks for {key!r}"


def test_every_value_of_the_apis_enumerations_has_a_text() -> None:
    keys = js_object_keys(WEB / "js" / "strings.js", "STRINGS")
    schemas = SPEC["components"]["schemas"]
    families = {
        "status": schemas["DeclarationStatus"]["enum"],
        "channel": schemas["Channel"]["enum"],
        "reason": schemas["RejectionReason"]["enum"],
        "role": schemas["Role"]["enum"],
        "doc": schemas["IdDocument"]["properties"]["type"]["enum"],
        "gender": schemas["Form01"]["properties"]["gender"]["enum"],
    }
    for family, values in families.items():
        for value in values:
            assert f"{family}.{value}" in keys, f"no text for {family} {value!r}"


def test_scripts_keep_to_the_csp_and_the_token_rules() -> None:
    for path in SCRIPTS:
        text = path.read_text(encoding="utf-8")
        name = path.relative_to(WEB)
        for forbidden in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
            assert forbidden not in text, f"{name}: {forbidden}"
        code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("//"))
        assert "localStorage" not in code, f"{name}: the token lives in sessionStorage only"
        assert ".style." not in text and 'setAttribute("style"' not in text, f"{name}: styles belong in CSS"
        for url in re.findall(r"https?://[^\s\"'`]+", text):
            assert url == "http://www.w3.org/2000/svg", f"{name}: {url}"
        for target in re.findall(r'from "(\.[^"]+)"', text):
            assert (path.parent / target).resolve().is_file(), f"{name} imports {target}"


def test_provinces_are_the_domains() -> None:
    text = (WEB / "js" / "provinces.js").read_text(encoding="utf-8")
    found = dict(re.findall(r'^\s*"(\d{2})": "([^"]+)",$', text, flags=re.MULTILINE))
    assert found == {**PROVINCES, "00": "Đơn vị trung ương"}


def test_the_api_calls_of_the_portal_are_routes_of_the_spec() -> None:
    text = (WEB / "js" / "api.js").read_text(encoding="utf-8")
    paths = set(SPEC["paths"])
    templates = {re.sub(r"\{[^}]+\}", "{}", p) for p in paths}
    for path in re.findall(r'["`](/v1/[^"`]*)["`]', text):
        template = re.sub(r"\$\{[^}]+\}", "{}", path)
        # POST /v1/declarations/lookup comes with the change moving ID numbers out of URLs;
        # api.js falls back to GET /v1/declarations until it is merged.
        assert template in templates or template == "/v1/declarations/lookup", path


def test_security_headers_are_strict() -> None:
    headers = json.loads((WEB / "security-headers.json").read_text(encoding="utf-8"))
    policy = dict(part.strip().split(" ", 1) for part in headers["Content-Security-Policy"].split(";"))
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["connect-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe" not in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_vendored_axe_core_is_the_pinned_file() -> None:
    import hashlib

    vendor = ROOT / "tests" / "browser" / "vendor" / "axe-core"
    digest = hashlib.sha256((vendor / "axe.min.js").read_bytes()).hexdigest()
    assert digest in (vendor / "README.md").read_text(encoding="utf-8")
    assert (vendor / "LICENSE").read_text(encoding="utf-8").startswith("Mozilla Public License, version 2.0")
    assert not list(WEB.rglob("axe*")), "axe-core is for the tests, never served"
