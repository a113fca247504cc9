"""Any SPARQL 1.1 endpoint: the HTTP client with retries and credentials (http), the remote dataset
that runs the catalogue (endpoint), and publishing the built graph to a store (publish)."""
