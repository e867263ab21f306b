"""`python -m rcml`: the command line."""

from rcml.cli import main

main()
