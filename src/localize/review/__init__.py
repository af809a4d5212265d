"""The editor's review page."""
