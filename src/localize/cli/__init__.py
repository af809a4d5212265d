"""The command line: a thin layer over the library."""

from localize.cli._main import cli, main

__all__ = ["cli", "main"]
