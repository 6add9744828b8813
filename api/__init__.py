"""tnr-graph interfaces: the HTTP/GraphQL application and the `tnr` command line."""
