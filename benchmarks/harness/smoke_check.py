"""Checks a run-ci-smoke.sh result directory: every benchmark wrote its result, and every
runtime ran at least one session in each (for the VAD benchmark: every run classified windows
and no session failed). Nothing about time or memory is checked.

    python3 benchmarks/harness/smoke_check.py benchmarks/results/ci-smoke-<time>
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def problems(out: Path) -> list[str]:
    found: list[str] = []
    results = {name: out / name / "result.json" for name in ("stub", "media", "dispatch", "vad")}
    for name, path in results.items():
        if not path.is_file():
            found.append(f"{name}: no {path}")
    if found:
        return found

    stub = json.loads(results["stub"].read_text())
    for run in stub["runs"]:
        if run.get("error") or run.get("successes", 0) < 1:
            found.append(f"stub {run.get('kind')} {run.get('args') or run.get('sessions')}: "
                         f"{run.get('error') or 'no session succeeded'}")

    media = json.loads(results["media"].read_text())
    for run in media["runs"]:
        heard = (run.get("callers") or {}).get("callersHearing", 0)
        if run.get("error") or heard < 1:
            found.append(f"media {run['runtime']} N={run['sessions']}: {run.get('error') or 'no caller heard its agent'}")

    dispatch = json.loads(results["dispatch"].read_text())
    for result in dispatch["results"]:
        running = sum(rate["running"] for rate in result.get("rates", []))
        if result.get("error") or running < 1:
            found.append(f"dispatch {result['runtime']}: {result.get('error') or 'no session reached running'}")

    vad = json.loads(results["vad"].read_text())
    if not vad.get("runs"):
        found.append("vad: no run")
    for run in vad.get("runs", []):
        figures = run.get("figures") or {}
        if run.get("error") or not figures.get("windowsPerSecondPerSession") or figures.get("failedSessions"):
            found.append(f"vad {run['runtime']} N={run['sessions']}: "
                         f"{run.get('error') or 'no window classified or a session failed'}")
    return found


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    found = problems(Path(argv[0]))
    for problem in found:
        print(f"smoke_check: {problem}", file=sys.stderr)
    if not found:
        print("smoke_check: every benchmark ran a session on every runtime", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
