"""The curated record: the schema of the YAML records and its checks (schema), the YAML reader with
line numbers (loaders), and the pure mapping of records to triples with provenance (mapping)."""
