"""Prompt templates, the sandbox they render in, and neutralising story text."""
