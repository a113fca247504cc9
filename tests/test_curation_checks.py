"""Curation warnings (issue #10): sources off their issuer's official domains, the same document
recorded twice, instruments dated after every source that backs them. Each is a zero-row query in
queries/checks/*-warning.rq, reported by `cyberkg validate` as a warning (it never fails the build)."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import FOAF, XSD

from cyberkg import store
from cyberkg.analysis.validate import run_checks, validate
from cyberkg.core.namespaces import CYBER, DCTERMS, SCHEMA, iri
from cyberkg.record.loaders import load_catalog
from cyberkg.record.mapping import map_catalog

OFFICIAL = {
    # source -> an official URL for its issuer (council/european-union: europa.eu; united-states: gov)
    "eu-strategy": "https://eur-lex.europa.eu/eli/a", "us-strategy": "https://www.whitehouse.gov/a",
    "us-strategy-2023": "https://www.whitehouse.gov/b", "mla-text": "https://eur-lex.europa.eu/mla",
    "evidence-text": "https://www.consilium.europa.eu/evidence", "struck-text": "https://commission.europa.eu/s",
    "judgment": "https://curia.europa.eu/j", "dialogue-text": "https://www.eeas.europa.eu/d",
    "eu-regime-text": "https://eur-lex.europa.eu/eli/dec/2019/797/oj", "us-eo-text": "https://www.federalregister.gov/e",
    "de-us-text": "https://www.bundesregierung.de/x", "eu-attr-text": "https://www.consilium.europa.eu/a",
    "us-attr-text": "https://www.justice.gov/opa/pr/x",
}


def src(slug: str) -> URIRef:
    return URIRef(iri("source", slug))


def curated(home: Path) -> Graph:
    g = map_catalog(load_catalog(home / "graph"))
    g.add((URIRef(iri("side", "eu")), CYBER.officialDomain, Literal("europa.eu")))
    g.add((URIRef(iri("side", "us")), CYBER.officialDomain, Literal("gov")))
    g.add((URIRef(iri("actor", "germany")), FOAF.homepage, URIRef("https://www.bundesregierung.de/")))
    for slug, url in OFFICIAL.items():
        g.set((src(slug), SCHEMA.url, URIRef(url)))
    return g


def warnings_of(g: Graph, check: str) -> set[tuple[str, str]]:
    ds, _ = store.build(backend="memory", curated=g)
    found, _n = run_checks(ds)
    return {(f.focus, f.message) for f in found if f.source == f"checks/{check}"}


def test_official_urls_raise_no_warning(tiny_home: Path) -> None:
    g = curated(tiny_home)
    for check in ("source-url-not-official-warning", "duplicate-source-warning",
                  "instrument-date-contradicts-sources-warning"):
        assert warnings_of(g, check) == set(), check


def test_a_reproduction_of_an_official_text_is_flagged(tiny_home: Path) -> None:
    g = curated(tiny_home)
    g.set((src("evidence-text"), SCHEMA.url, URIRef("https://www.scribd.com/document/123/council-text")))
    g.set((src("de-us-text"), SCHEMA.url, URIRef("https://example.org/copy")))  # germany: its homepage only
    g.set((src("us-eo-text"), SCHEMA.url, URIRef("https://www.federalregister.gov.example.com/e")))  # look-alike
    found = warnings_of(g, "source-url-not-official-warning")
    assert {focus for focus, _ in found} == {str(src("evidence-text")), str(src("de-us-text")), str(src("us-eo-text"))}
    [message] = [m for f, m in found if f == str(src("evidence-text"))]
    assert "www.scribd.com" in message and iri("actor", "council") in message


def test_an_official_domain_on_the_issuer_or_a_parent_counts(tiny_home: Path) -> None:
    g = curated(tiny_home)
    g.set((src("us-attr-text"), SCHEMA.url, URIRef("https://www.ic3.example/pr")))
    g.set((src("us-attr-text"), CYBER.issuer, URIRef(iri("actor", "fbi"))))
    assert {f for f, _ in warnings_of(g, "source-url-not-official-warning")} == {str(src("us-attr-text"))}
    g.add((URIRef(iri("actor", "doj")), CYBER.officialDomain, Literal("ic3.example")))  # FBI is part of DOJ
    assert warnings_of(g, "source-url-not-official-warning") == set()


def test_the_same_document_twice_is_flagged(tiny_home: Path) -> None:
    g = curated(tiny_home)
    g.set((src("struck-text"), DCTERMS.identifier, Literal("celex:22003a0719(02)")))  # mla-text's, other case
    g.set((src("judgment"), SCHEMA.url, URIRef("http://www.eur-lex.europa.eu/mla/#top")))  # mla-text's URL, varied
    pairs = {(f, m.split(">")[0].lstrip("<")) for f, m in warnings_of(g, "duplicate-source-warning")}
    assert pairs == {(str(src("mla-text")), str(src("struck-text"))), (str(src("judgment")), str(src("mla-text")))}


def test_an_instrument_dated_after_all_its_sources_is_flagged(tiny_home: Path) -> None:
    g = curated(tiny_home)
    g.set((src("us-eo-text"), DCTERMS.issued, Literal("2014", datatype=XSD.gYear)))  # EO adopted 2015-04-01
    g.set((src("eu-regime-text"), DCTERMS.issued, Literal("2019-05", datatype=XSD.gYearMonth)))  # May covers 17 May
    found = warnings_of(g, "instrument-date-contradicts-sources-warning")
    assert {f for f, _ in found} == {iri("instrument", "us-eo")}
    [(_, message)] = found
    assert "2015-04-01" in message and "2014-12-31" in message


def test_curation_findings_are_warnings_not_violations(tiny_home: Path) -> None:
    ds, _ = store.build(backend="memory", curated=map_catalog(load_catalog(tiny_home / "graph")))
    report = validate(ds, shacl=False)
    assert report.conforms
    assert any(w.source == "checks/source-url-not-official-warning" for w in report.warnings)  # example.org


def test_recorded_known_gaps_are_information_not_warnings(tiny_home: Path) -> None:
    g = curated(tiny_home)
    g.set((src("evidence-text"), SCHEMA.url, URIRef("https://www.statewatch.org/copy.pdf")))
    ds, _ = store.build(backend="memory", curated=g)
    before = validate(ds)
    assert {w.focus for w in before.warnings if w.source == "checks/source-url-not-official-warning"} == {
        str(src("evidence-text"))}
    assert str(src("evidence-text")) in {w.focus for w in before.warnings if w.source.endswith("#SourceIdentifier")}
    g.add((src("evidence-text"), CYBER.officialCopyUnavailable,
           Literal("the Council register entry was not found; Statewatch's copy", lang="en")))
    g.add((src("evidence-text"), CYBER.identifierUnconfirmed,
           Literal("a Council document number exists; not found in the copy", lang="en")))
    ds, _ = store.build(backend="memory", curated=g)
    after = validate(ds)
    assert not {w.source for w in after.warnings if w.focus == str(src("evidence-text"))} & {
        "checks/source-url-not-official-warning", "https://w3id.org/cyberkg/shapes/recommended#SourceIdentifier"}
    infos = {(f.focus, f.source) for f in after.infos}
    assert (str(src("evidence-text")), "checks/source-is-a-reproduction-info") in infos
    assert (str(src("evidence-text")), "https://w3id.org/cyberkg/shapes/recommended#IdentifierUnconfirmed") in infos
    assert after.conforms and len(after.warnings) == len(before.warnings) - 2


def test_a_news_report_is_issued_by_its_publisher(tiny_home: Path) -> None:
    from cyberkg.core.namespaces import STYPE

    g = curated(tiny_home)
    assert warnings_of(g, "news-report-issuer-not-publisher-warning") == set()
    g.set((src("eu-attr-text"), CYBER.sourceType, STYPE["news-report"]))  # issuer: the Council
    assert {f for f, _ in warnings_of(g, "news-report-issuer-not-publisher-warning")} == {str(src("eu-attr-text"))}
