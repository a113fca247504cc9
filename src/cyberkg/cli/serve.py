"""``cyberkg serve``: a local, read-only SPARQL 1.1 endpoint over the built store, and a query page."""

from __future__ import annotations

import click


@click.command("serve")
@click.option("--port", default=7878, show_default=True, type=click.IntRange(1, 65535),
              help="Port of the SPARQL endpoint (…/query).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 127.0.0.1 keeps both servers to this machine.")
@click.option("--page-port", type=click.IntRange(0, 65535), default=None,
              help="Port of the query page [default: --port + 1; 0 picks a free one].")
@click.option("--no-page", is_flag=True, help="Serve the SPARQL endpoint only, no query page.")
def serve(port: int, host: str, page_port: int | None, no_page: bool) -> None:
    """A read-only SPARQL 1.1 endpoint over the built store, and a query page.

    Oxigraph's own server answers on a snapshot of the store (so 'cyberkg build' can run
    meanwhile); the query page is YASGUI, served from this machine, preloaded with the catalogue.
    Ctrl-C (or SIGTERM) stops both."""
    import cyberkg.store.adapter as adapter
    from cyberkg.analysis.catalogue import catalogue
    from cyberkg.remote import serve as srv
    from cyberkg.store.built import open_built
    from cyberkg.views.query_page import content_security_policy, page_files

    if page_port is None and not no_page:
        if port == 65535:
            raise click.BadParameter("--port 65535 leaves no port for the page; give --page-port", param_hint="--port")
        page_port = port + 1
    queries = [] if no_page else catalogue()  # a malformed query header stops us before anything starts
    ds = open_built()  # (re)built first if stale; a Ctrl-C here aborts the build, which leaves the old store
    with srv.stop_signals() as stop:  # from here on, Ctrl-C and SIGTERM stop the servers in order
        with adapter.of(ds) as st:  # the store is let go once the server has its snapshot
            ep = srv.start(st, host, port)
        try:
            if not no_page:
                files = page_files(ep.query_url, queries)
                ep.page = srv.page_server(host, page_port or 0, files,
                                          {"Content-Security-Policy": content_security_policy(ep.base)})
            click.echo(f"SPARQL endpoint (read-only): {ep.query_url}")
            if ep.page_url:
                click.echo(f"query page:                  {ep.page_url}  ({len(queries)} catalogue queries)")
            if host not in ("127.0.0.1", "localhost", "::1"):
                click.echo(f"warning: listening on {host}: other machines can query this endpoint (read-only)",
                           err=True)
            click.echo("serving a snapshot of the built store; press Ctrl-C to stop", err=True)
        except BaseException:
            ep.stop()
            raise
        srv.run(ep, stop)
    click.echo("stopped", err=True)


COMMANDS = [serve]
