"""`python -m ppss_workflow` is the `ppss` command."""

from ppss_workflow.entry import main

main()
