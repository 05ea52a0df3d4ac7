"""`python -m ppss_workflow` is the `ppss` command."""

from ppss_workflow.cli import main

main()
