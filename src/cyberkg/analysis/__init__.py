"""Questions asked of the store: the SPARQL catalogue (catalogue), the gap analysis (gaps), SHACL
and zero-row quality checks (validate)."""
