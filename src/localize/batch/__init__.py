"""Many stories x many regions: inputs, jobs, the results file, pacing, running, Batch API files.

- `run_batch`: a whole ``localize batch`` run into a resumable JSONL results file.
- `alocalize_many`: the same jobs as an async iterator of `JobResult`s.
- `load_inputs`, `as_inputs`, `resolve_regions`: story files, folders, JSONL; region arguments;
  `stream_inputs`: the same, counted up front and read one story at a time (`StoryStream`).
- `plan_jobs`, `ResultsFile`, `read_results`, `BatchSummary`: jobs, the results file, the counts;
  `merge_results`: shards' results files (``--shard i/N``) into one.
- `RateGate`: requests paced under RPM and TPM limits for a whole run.
- `export_batch`, `collect_results` (and the steps: `export_requests`, `submit_batch`,
  `download_batch_output`, `collect_batch`): the OpenAI Batch API, with a `BatchManifest`.
"""

from localize.batch._batch_api import (
    CollectReport,
    ExportReport,
    batch_api_client,
    collect_batch,
    collect_results,
    custom_id,
    download_batch_output,
    export_batch,
    export_requests,
    submit_batch,
)
from localize.batch._gate import RateGate
from localize.batch._inputs import (
    BatchStory,
    StoryInput,
    StoryStream,
    as_inputs,
    load_inputs,
    resolve_regions,
    story_shard,
    stream_inputs,
)
from localize.batch._manifest import BatchManifest, ManifestJob, load_manifest
from localize.batch._results import (
    BatchPlan,
    BatchSummary,
    Job,
    JobResult,
    MergeReport,
    ResultsFile,
    iter_jobs,
    merge_results,
    plan_batch,
    plan_jobs,
    read_results,
)
from localize.batch._run import (
    DEFAULT_CONCURRENCY,
    LOCAL_CONCURRENCY,
    BatchProgress,
    alocalize_many,
    choose_concurrency,
    run_batch,
    run_jobs,
)

__all__ = [
    "DEFAULT_CONCURRENCY",
    "LOCAL_CONCURRENCY",
    "BatchManifest",
    "BatchPlan",
    "BatchProgress",
    "BatchStory",
    "BatchSummary",
    "CollectReport",
    "ExportReport",
    "Job",
    "JobResult",
    "ManifestJob",
    "MergeReport",
    "RateGate",
    "ResultsFile",
    "StoryInput",
    "StoryStream",
    "alocalize_many",
    "as_inputs",
    "batch_api_client",
    "choose_concurrency",
    "collect_batch",
    "collect_results",
    "custom_id",
    "download_batch_output",
    "export_batch",
    "export_requests",
    "iter_jobs",
    "load_inputs",
    "load_manifest",
    "merge_results",
    "plan_batch",
    "plan_jobs",
    "read_results",
    "resolve_regions",
    "run_batch",
    "run_jobs",
    "story_shard",
    "stream_inputs",
    "submit_batch",
]
