"""Many stories x many regions: inputs, jobs, the results file, pacing, running, Batch API files.

- `load_inputs`, `resolve_regions`: story files, folders and JSONL files; region ids to profiles.
- `plan_jobs`, `ResultsFile`, `BatchSummary`: jobs, the resumable JSONL results file, the counts.
- `RateGate`: requests paced under RPM and TPM limits for a whole run.
- `localize_many`, `run_jobs`: the scheduler and the run.
- `export_requests`, `submit_batch`, `download_batch_output`, `collect_batch`: the OpenAI Batch API.
"""

from localize.batch._batch_api import (
    batch_api_client,
    collect_batch,
    custom_id,
    download_batch_output,
    export_requests,
    load_manifest,
    split_custom_id,
    submit_batch,
)
from localize.batch._gate import RateGate
from localize.batch._inputs import StoryInput, load_inputs, resolve_regions
from localize.batch._results import BatchSummary, Job, JobResult, ResultsFile, plan_jobs
from localize.batch._run import DEFAULT_CONCURRENCY, LOCAL_CONCURRENCY, localize_many, run_jobs

__all__ = [
    "DEFAULT_CONCURRENCY",
    "LOCAL_CONCURRENCY",
    "BatchSummary",
    "Job",
    "JobResult",
    "RateGate",
    "ResultsFile",
    "StoryInput",
    "batch_api_client",
    "collect_batch",
    "custom_id",
    "download_batch_output",
    "export_requests",
    "load_inputs",
    "load_manifest",
    "localize_many",
    "plan_jobs",
    "resolve_regions",
    "run_jobs",
    "split_custom_id",
    "submit_batch",
]
