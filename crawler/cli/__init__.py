"""The `linkgraph` command: parse, call, print."""
