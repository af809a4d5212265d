"""LLM backends: the openai client, its value types, retry policy and error mapping, the response
cache and the embedded server."""

from __future__ import annotations

from localize.backends._cache import CacheOption, DiskCache, as_cache, default_cache_dir
from localize.backends._client import LLMClient, connection_options, request_key
from localize.backends._errors import backend_error
from localize.backends._local import (
    LOCAL_MODEL,
    LocalServer,
    ServerTuning,
    cpu_has_amx,
    local_model_generation,
    local_model_path,
)
from localize.backends._protocols import RequestGate, ResponseCache
from localize.backends._retry import retry_after_seconds
from localize.backends._usage import Completion, Spend, Usage

__all__ = [
    "LOCAL_MODEL",
    "CacheOption",
    "Completion",
    "DiskCache",
    "LLMClient",
    "LocalServer",
    "RequestGate",
    "ResponseCache",
    "ServerTuning",
    "Spend",
    "Usage",
    "as_cache",
    "backend_error",
    "connection_options",
    "cpu_has_amx",
    "default_cache_dir",
    "local_model_generation",
    "local_model_path",
    "request_key",
    "retry_after_seconds",
]
