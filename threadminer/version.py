"""The version of threadminer (one place; the package, the CLI and the HTTP client read it)."""

__version__ = "0.2.0"
