"""Grounding checks: a section against its story and region profile; one module per check,
run from a registry."""

from __future__ import annotations

from localize.grounding._analysis import StoryAnalysis, analyse, forget_story
from localize.grounding._checks import CHECK_IDS, ENGLISH_ONLY_CHECKS, CheckReport, check
from localize.grounding._context import CheckContext
from localize.grounding._findings import Finding, Severity
from localize.grounding._registry import (
    SEVERITY_SETTINGS,
    CheckFunction,
    RegisteredCheck,
    SeveritySetting,
    register_check,
    registered_checks,
    resolve_severities,
    unregister_check,
)
from localize.grounding._support import SentenceLink

__all__ = [
    "CHECK_IDS",
    "ENGLISH_ONLY_CHECKS",
    "SEVERITY_SETTINGS",
    "CheckContext",
    "CheckFunction",
    "CheckReport",
    "Finding",
    "RegisteredCheck",
    "SentenceLink",
    "Severity",
    "SeveritySetting",
    "StoryAnalysis",
    "analyse",
    "check",
    "forget_story",
    "register_check",
    "registered_checks",
    "resolve_severities",
    "unregister_check",
]
