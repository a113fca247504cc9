"""``cyberkg publish``: push the built graph to a SPARQL 1.1 store (a thin skin over cyberkg.publish)."""

from __future__ import annotations

import click


@click.command()
@click.option("--endpoint", envvar="CYBERKG_ENDPOINT", required=True, metavar="URL",
              help="The store's SPARQL query URL (also CYBERKG_ENDPOINT).")
@click.option("--graph", "graphs", multiple=True, metavar="IRI",
              help="Publish only this named graph (repeatable); default: every graph of the build.")
@click.option("--update-url", envvar="CYBERKG_ENDPOINT_UPDATE", metavar="URL",
              help="SPARQL Update URL, where the store uses a separate one (guessed for known stores).")
@click.option("--store-url", envvar="CYBERKG_ENDPOINT_STORE", metavar="URL",
              help="Graph Store HTTP Protocol URL (guessed for known stores).")
@click.option("--method", type=click.Choice(["auto", "put", "update"]), default="auto", show_default=True,
              help="Graph Store PUT, chunked SPARQL Update, or PUT falling back to Update.")
@click.option("--chunk-size", type=click.IntRange(1), default=2000, show_default=True,
              help="Triples per INSERT DATA request when using SPARQL Update.")
@click.option("--progress/--no-progress", default=None, help="Progress bar on stderr (default: large graphs).")
def publish(endpoint: str, graphs: tuple[str, ...], update_url: str | None, store_url: str | None, method: str,
            chunk_size: int, progress: bool | None) -> None:
    """Publish the built graph (curated, vocab, ontology, derived, layers) to a SPARQL 1.1 store.

    Credentials come from CYBERKG_ENDPOINT_USER/CYBERKG_ENDPOINT_PASSWORD, CYBERKG_ENDPOINT_TOKEN or a
    netrc file — never from the command line."""
    from cyberkg.remote.endpoint import connect
    from cyberkg.remote.publish import publish as do_publish
    from cyberkg.store.built import open_built

    remote = connect(endpoint, update_url=update_url, store_url=store_url)
    report = do_publish(open_built(), remote, list(graphs) or None, method, chunk_size, progress)
    click.echo(report.summary())


COMMANDS = [publish]
