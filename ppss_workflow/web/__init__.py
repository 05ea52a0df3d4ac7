"""The web application: FastAPI pages and API over the same handlers and read models as the CLI."""
