"""`python -m cli ...` runs the `tnr` command line."""

from cli.main import main

main()
