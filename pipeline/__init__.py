"""News ingestion pipeline: seed files and web pages to a Postgres warehouse."""

__version__ = "0.1.0"
