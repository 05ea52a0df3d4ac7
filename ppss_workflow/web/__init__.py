"""The web application: pages for people (Swedish first) and a JSON API, on the same
handlers and read models as the command line. ``create_app`` builds it."""

from __future__ import annotations

from ppss_workflow.web.settings import WebSettings

__all__ = ["WebSettings"]
