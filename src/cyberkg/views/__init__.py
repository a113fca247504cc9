"""Interactive views: RDF to networkx (network), layouts computed beforehand (layout), the
self-contained pyvis page (viz)."""
