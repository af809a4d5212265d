"""Grounding checks: a section against its story and region profile."""
