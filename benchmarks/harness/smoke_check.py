"""Checks a run-ci-smoke.sh result directory: every benchmark wrote its result, and every
runtime ran at least one session in each (for the VAD benchmark: every run classified windows
and no session failed; for the voice benchmark: every runtime's caller got at least one spoken
answer). Nothing about time, memory or intelligibility is checked.

    python3 benchmarks/harness/smoke_check.py benchmarks/results/ci-smoke-<time>
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def problems(out: Path) -> list[str]:
    found: list[str] = []
    results = {name: out / name / "result.json" for name in ("stub", "media", "dispatch", "vad", "voice")}
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
    found += voice_problems(out)
    return found


def voice_problems(out: Path) -> list[str]:
    """The voice benchmark ran: at least one run, and in every run a caller got a spoken answer
    (in the window or to a warm-up question)."""
    path = out / "voice" / "result.json"
    if not path.is_file():
        return [f"voice: no {path}"]
    voice = json.loads(path.read_text())
    found = [] if voice.get("runs") else [f"voice: no run ({voice.get('error', 'no error recorded')})"]
    for run in voice.get("runs", []):
        turns = (run.get("figures") or {}).get("turns") or {}
        answered, asked = turns.get("answered", 0), turns.get("turns", 0)
        # A warm-up answer proves the pipeline ran too (a busy CI machine may make the window's
        # one question late): only a runtime that never answered fails.
        warmups = sum(1 for t in run.get("turnRows", []) if t.get("warmup") and not t.get("silent"))
        if run.get("error") or answered + warmups < 1:
            why = run.get("error") or f"no spoken answer ({answered}/{asked} turns answered)"
            found.append(f"voice {run['runtime']} N={run['sessions']}: {why}")
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
