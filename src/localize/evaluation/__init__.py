"""Evaluating the checks and the model against labelled sections."""
