"""``cyberkg docs``: a page per class and property with what a reader of the ontology needs, every
string from the data escaped, offline, byte-identical on a rerun; and a real browser opens it."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from rdflib.namespace import OWL, RDF

from cyberkg.cli.main import main
from cyberkg.core.namespaces import CYBER
from cyberkg.store.backend import ontology_graph
from cyberkg.views.ontology_docs import build_docs, write_docs
from cyberkg.views.viz import external_references
from viz_fixtures import EVIL, write_record

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
CHROMIUM = Path("/usr/bin/chromium")


def declared_terms() -> dict[str, str]:
    """Local name -> page for every cyber: class and property the ontology declares."""
    g = ontology_graph(ROOT / "ontology")
    out = {}
    for kind, folder in ((OWL.Class, "class"), (OWL.ObjectProperty, "property"), (OWL.DatatypeProperty, "property")):
        for s in g.subjects(RDF.type, kind):
            if str(s).startswith(str(CYBER)):
                name = str(s)[len(str(CYBER)):]
                out[name] = f"{folder}/{name}.html"
    return out


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``cyberkg docs -o …`` on a small record whose threat actor is labelled with HTML."""
    base = tmp_path_factory.mktemp("docs")
    home = write_record(base / "home")
    out = base / "out" / "docs"
    mp = pytest.MonkeyPatch()
    mp.setenv("CYBERKG_HOME", str(home))
    mp.setenv("CYBERKG_BUILD_DIR", str(base / "build"))
    try:
        result = CliRunner().invoke(main, ["docs", "-o", str(out)])
    finally:
        mp.undo()
    assert result.exit_code == 0, result.output
    assert "term pages" in result.output
    return out


def page(out: Path, rel: str) -> str:
    return (out / rel).read_text(encoding="utf-8")


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&amp;", "&")


def test_a_page_per_class_and_property_and_an_index(written: Path) -> None:
    terms = declared_terms()
    pages = {p.relative_to(written).as_posix() for p in written.rglob("*.html")}
    assert pages == set(terms.values()) | {"index.html"}
    index = page(written, "index.html")
    for name, rel in terms.items():
        assert f'href="{rel}"' in index, name
    assert "cyberkg: the transatlantic cyber policy ontology" in index and "0.1.0" in index


def test_a_class_page_shows_definition_alignments_shapes_and_examples(written: Path) -> None:
    actor = text_of(page(written, "class/Actor.html"))
    assert "actor cyber:Actor" in actor
    assert "Any party that pursues goals" in actor  # skos:definition
    assert "ontology/modules/actors.ttl" in actor
    assert "rdfs:subClassOf prov:Agent" in actor and "rdfs:subClassOf foaf:Agent" in actor  # alignments/
    assert "ActorShape" in actor and "an actor needs a label" in actor  # shapes/core
    assert "cyber:ThreatActor" in actor  # a subclass, linked
    assert 'href="../class/ThreatActor.html"' in page(written, "class/Actor.html")
    assert "ENISA https://w3id.org/cyberkg/id/actor/enisa" in actor  # an example from the record
    # a shape on a superclass applies to the subclass too; warnings are marked as such
    threat = text_of(page(written, "class/ThreatActor.html"))
    assert "an actor needs a label" in threat
    source = text_of(page(written, "class/SourceDocument.html"))
    assert "Warning" in source and "the source has no official identifier" in source
    assert "one of: dcterms:identifier at least 1 | cyber:noOfficialIdentifier at least 1" in source


def test_a_property_page_shows_domain_range_alignment_shapes_and_uses(written: Path) -> None:
    part_of = text_of(page(written, "property/partOf.html"))
    assert "object property" in part_of
    assert "Domain cyber:Actor" in part_of and "Range cyber:Actor" in part_of
    assert "rdfs:subPropertyOf org:subOrganizationOf" in part_of
    assert "an actor is part of actors only" in part_of
    assert re.search(r"Examples from the record \(\d+ uses?\)", part_of)
    assert "ENISA https://w3id.org/cyberkg/id/actor/enisa European Union" in part_of
    adopted = text_of(page(written, "property/adopted.html"))
    assert "datatype property" in adopted and "DateShape" in adopted
    assert "one of: datatype xsd:date | datatype xsd:gYearMonth | datatype xsd:gYear" in adopted
    assert "(xsd:date)" in adopted or "(xsd:gYear" in adopted


def test_strings_from_the_record_are_escaped(written: Path) -> None:
    html = page(written, "class/ThreatActor.html")
    assert "apt-x" in html
    assert EVIL not in html and "&lt;img src=x onerror=" in html


def test_pages_are_offline_and_every_link_resolves(written: Path) -> None:
    for p in sorted(written.rglob("*.html")):
        html = p.read_text(encoding="utf-8")
        assert external_references(html) == [], p
        assert "<script" not in html and 'http-equiv="Content-Security-Policy"' in html
        for href in re.findall(r'href="([^"]+)"', html):
            if href.startswith(("http://", "https://", "data:")):
                continue
            assert (p.parent / href).resolve().is_file(), f"{p.name}: broken link {href}"


def test_docs_are_byte_identical_on_a_rerun(written: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base = written.parent.parent  # the same record as the fixture
    monkeypatch.setenv("CYBERKG_HOME", str(base / "home"))
    monkeypatch.setenv("CYBERKG_BUILD_DIR", str(base / "build"))
    result = CliRunner().invoke(main, ["docs", "-o", str(tmp_path / "again")])
    assert result.exit_code == 0, result.output
    first = {p.relative_to(written): p.read_bytes() for p in written.rglob("*") if p.is_file()}
    again = {p.relative_to(tmp_path / "again"): p.read_bytes() for p in (tmp_path / "again").rglob("*") if p.is_file()}
    assert first == again


def test_rewrites_its_own_folder_but_never_a_foreign_one(tmp_path: Path) -> None:
    files = build_docs(ROOT / "ontology")
    out = tmp_path / "docs"
    write_docs(files, out)
    (out / "class" / "Gone.html").write_text("stale page")
    write_docs(files, out)
    assert not (out / "class" / "Gone.html").exists()  # replaced whole: no stale page survives
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    result = CliRunner().invoke(main, ["docs", "--no-examples", "-o", str(foreign)])
    assert result.exit_code == 2 and "was not written by 'cyberkg docs'" in result.output
    assert "Traceback" not in result.output
    assert sorted(os.listdir(foreign)) == ["notes.txt"] and (foreign / "notes.txt").read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["docs", "mine"]  # no temporary folder left


@pytest.mark.browser
def test_docs_page_in_a_browser_and_its_screenshot(tmp_path: Path, real_ds: Any) -> None:
    """The shipped record's docs in headless Chromium: no request but the pages, no console error,
    the index links to a class page. The screenshot goes to the test's folder; with
    CYBERKG_UPDATE_SCREENSHOT=1 it also replaces docs/ontology-docs.png (shown in the README)."""
    if not CHROMIUM.exists():
        pytest.fail("the browser tests need Debian's chromium at /usr/bin/chromium: run 'apt-get install -y "
                    "chromium' (or 'make browser'), then rerun")
    from playwright.sync_api import sync_playwright

    from cyberkg.views.viz import HEADLESS_CHROMIUM_ARGS

    out = tmp_path / "docs"
    write_docs(build_docs(ROOT / "ontology", real_ds, "the record in graph/"), out)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=HEADLESS_CHROMIUM_ARGS)
        pg = browser.new_page(viewport={"width": 1200, "height": 1100})
        requests: list[str] = []
        errors: list[str] = []
        pg.on("request", lambda r: requests.append(r.url))
        pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file://")
                 else route.abort())
        pg.goto((out / "index.html").as_uri())
        pg.click("a[href='class/PolicyInstrument.html']")
        deadline = time.monotonic() + 30
        while not pg.url.endswith("class/PolicyInstrument.html"):
            assert time.monotonic() < deadline, "the link did not open the class page"
            pg.wait_for_timeout(50)
        pg.wait_for_load_state()
        assert pg.locator("h1").first.text_content().startswith("policy instrument")
        assert pg.locator("table").count() >= 2  # shapes and examples
        shot = pg.screenshot(full_page=False)
        browser.close()
    assert errors == []
    assert [u for u in requests if not u.startswith("file://")] == []
    assert requests == [(out / "index.html").as_uri(), (out / "class" / "PolicyInstrument.html").as_uri()]
    assert shot.startswith(b"\x89PNG")
    (tmp_path / "ontology-docs.png").write_bytes(shot)
    if os.environ.get("CYBERKG_UPDATE_SCREENSHOT") == "1":
        tmp = DOCS / ".ontology-docs.png.tmp"
        tmp.write_bytes(shot)
        os.replace(tmp, DOCS / "ontology-docs.png")
