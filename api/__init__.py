"""tnr-graph's HTTP interface: the Starlette/GraphQL application, API keys and the explorer."""
