"""Recording and replaying LLM traffic: cassettes, mismatch reports, the pytest plugin."""
