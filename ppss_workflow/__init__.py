"""ppss-workflow: the machinery around the pure events and policies (store, commands, CLI)."""

__version__ = "0.1.0"
