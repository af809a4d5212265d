"""The opt-in model verifier on labelled sections: what it costs and what its verdicts are worth.

Starts the bundled llama.cpp model (SmolLM2-135M) once and points a client at it as a configured
endpoint (as the recorded tests do: the verifier is refused on the embedded demo model itself),
then runs ``localize.check(..., verify=True)`` on a sample of the labelled corpus in
``tests/data/checks``: the first ``--faults`` fault sections (one planted fault each, taken
round-robin over the planted checks) and the first ``--clean`` clean ones. A sentence counts as
faulty when it holds a planted fault's text. Prints, per section, the deterministic verdict, the
verifier's, its tokens and seconds; then the verifier's recall on faulty sentences and sections,
its false flags on clean sentences and sections, the share of answers it could not read, and
the tokens and seconds per verification.

    flock /tmp/localize-cpu.lock .venv/bin/python benchmarks/verifier.py [--faults 8] [--clean 8]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import defaultdict
from pathlib import Path

from localize import LLMClient, check
from localize.backends._local import LOCAL_MODEL, LocalServer
from localize.evaluation._evaluation import Case, load_cases

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "data" / "checks"


def sample(cases: list[Case], faults: int, clean: int) -> list[Case]:
    """Clean sections in order; fault sections round-robin over their planted check."""
    by_check: dict[str, list[Case]] = defaultdict(list)
    for case in cases:
        if len(case.expect) == 1:
            by_check[case.expect[0][0]].append(case)
    picked: list[Case] = []
    while len(picked) < faults and any(by_check.values()):
        for name in sorted(by_check):
            if by_check[name] and len(picked) < faults:
                picked.append(by_check[name].pop(0))
    return picked + [c for c in cases if c.clean][:clean]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faults", type=int, default=8, help="fault sections (default 8)")
    parser.add_argument("--clean", type=int, default=8, help="clean sections (default 8)")
    args = parser.parse_args()
    cases = sample(load_cases(CORPUS), args.faults, args.clean)
    found = {"faulty": [0, 0], "clean": [0, 0]}  # [flagged, all] by sentence kind
    sections = {"faulty": [0, 0], "clean": [0, 0]}
    unreadable = 0
    seconds: list[float] = []
    prompt: list[int] = []
    completion: list[int] = []
    with (
        LocalServer() as server,
        LLMClient(
            model=LOCAL_MODEL,
            base_url=server.base_url,
            max_retries=0,
            structured="json_object",
            timeout=600,  # a loaded 2-core machine answers slowly
        ) as client,
    ):
        print(f"verifier: {LOCAL_MODEL} at {server.base_url}; {len(cases)} sections\n")
        for case in cases:
            kind = "clean" if case.clean else "faulty"
            t0 = time.perf_counter()
            report = check(
                case.section,
                case.story,
                case.region,
                min_words=case.min_words,
                max_words=case.max_words,
                verify=True,
                client=client,
            )
            seconds.append(time.perf_counter() - t0)
            v = report.verification
            assert v is not None
            prompt.append(v.prompt_tokens)
            completion.append(v.completion_tokens)
            deterministic = any(f.severity == "error" for f in report.findings)
            if v.problem is not None:
                unreadable += 1
                said = f"unreadable ({v.problem})"
            else:
                unsupported = {x.sentence for x in v.verdicts if not x.supported}
                said = f"{len(unsupported)}/{len(v.verdicts)} unsupported"
                sections[kind][0] += bool(unsupported)
                sections[kind][1] += 1
                planted = [text for _, text in case.expect]
                for link in report.sentences:
                    faulty = any(t and t in link.text for t in planted)
                    row = found["faulty" if faulty else "clean"]
                    row[0] += link.number in unsupported
                    row[1] += 1
            print(
                f"  {case.id:<34} {kind:<6} checks {'flag' if deterministic else 'pass'}; "
                f"verifier {said}; {v.prompt_tokens}+{v.completion_tokens} tokens, "
                f"{seconds[-1]:.1f} s"
            )
    print()
    for kind, (hit, n) in sections.items():
        print(f"sections {kind:<6}: verifier flagged {hit}/{n} (readable answers only)")
    for kind, (hit, n) in found.items():
        print(f"sentences {kind:<6}: verifier found unsupported {hit}/{n}")
    print(f"unreadable answers: {unreadable}/{len(cases)}")
    print(
        f"per verification: {statistics.fmean(prompt):.0f} prompt + "
        f"{statistics.fmean(completion):.0f} completion tokens, "
        f"{statistics.fmean(seconds):.1f} s mean (one request per section)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
