"""LLM backends: the openai client, the response cache and the embedded server."""
