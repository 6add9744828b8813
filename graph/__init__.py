"""tnr-graph core: the declared schema, ids, records, the store and the writer."""
