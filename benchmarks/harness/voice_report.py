"""The voice benchmark's parsing and statistics (no I/O beyond what is passed in): the model
servers' own time per request from their logs, the caller's turns, word errors of the heard
answers, per-run figures, ratios against LiveKit Agents, the goals, and the tables."""

from __future__ import annotations

import math
import re

from report import _fmt, table

# The VAD's minimum silence, the same on both runtimes (LiveKit's Silero default, and
# OpenRTC-JVM's VadOptions.DEFAULTS): part of every turn's latency by configuration, not by
# either framework's cost (shared/docs/voice-notes.md).
VAD_MIN_SILENCE_MS = 550

# The goals of issue 15, checked at GOAL_SESSIONS sessions.
GOAL_SESSIONS = 10
GOAL_OVERHEAD_RATIO = 0.5
GOAL_CPU_RATIO = 1 / 3

# speech server (openrtc-test/speech-server/server.py), one line per request:
#   12:00:01 POST /v1/audio/transcriptions 200 312ms compute, 330ms wall, 2.35s audio, waited 0ms for the model
#   12:00:02 POST /v1/audio/speech 200 401ms compute, 420ms wall, 1 sentence(s), 2.10s audio, first sentence 380ms, waited 5ms for the model
_SPEECH_LINE = re.compile(
    r"^(?P<clock>\d\d:\d\d:\d\d) POST (?P<path>/(?:v1/)?audio/(?P<kind>transcriptions|speech)) (?P<status>\d{3}) "
    r"(?P<compute>[\d.]+)ms compute, (?P<wall>[\d.]+)ms wall(?P<note>.*)$")
_FIRST_SENTENCE = re.compile(r"first sentence (?P<ms>[\d.]+)ms")
_WAITED = re.compile(r"waited (?P<ms>[\d.]+)ms for the model")
# ScriptedChatServer --log-requests:
#   request=3 stream=true status=200 kind=TEXT think_ms=200 processing_ms=201 total_ms=204 completion_tokens=9 completed=true
_LLM_LINE = re.compile(r"^request=(?P<index>\d+) .*?status=(?P<status>\d{3}) .*?processing_ms=(?P<processing>\d+)"
                       r" total_ms=(?P<total>\d+)")


def parse_speech_line(line: str) -> dict | None:
    """One speech-server request: kind stt|tts, status, and its own time in ms: `ms` is what
    the turn waits for (STT: compute + waiting for the model lock; TTS: the first sentence's
    compute + the wait, i.e. up to the first byte), `computeMs` the compute alone."""
    m = _SPEECH_LINE.match(line.strip())
    if not m:
        return None
    note = m.group("note")
    waited = _WAITED.search(note)
    wait_ms = float(waited.group("ms")) if waited else 0.0
    compute = float(m.group("compute"))
    kind = "stt" if m.group("kind") == "transcriptions" else "tts"
    if kind == "tts":
        first = _FIRST_SENTENCE.search(note)
        first_ms = float(first.group("ms")) if first else compute
        return {"kind": kind, "status": int(m.group("status")), "ms": first_ms + wait_ms, "computeMs": first_ms,
                "waitMs": wait_ms, "totalComputeMs": compute}
    return {"kind": kind, "status": int(m.group("status")), "ms": compute + wait_ms, "computeMs": compute, "waitMs": wait_ms}


def parse_llm_line(line: str) -> dict | None:
    """One scripted-LLM request: its processing time to the first token (the fixed think time
    plus the server's own handling) and its total time."""
    m = _LLM_LINE.match(line.strip())
    if not m:
        return None
    return {"kind": "llm", "status": int(m.group("status")), "ms": float(m.group("processing")),
            "computeMs": float(m.group("processing")), "totalMs": float(m.group("total"))}


def percentile(values: list[float], q: float) -> float | None:
    """The nearest-rank percentile (q in 0..1) of the values that are not None; None if none."""
    data = sorted(v for v in values if v is not None)
    if not data:
        return None
    rank = max(1, math.ceil(q * len(data) - 1e-9))  # ceil(q * n), robust to float noise
    return data[min(len(data), rank) - 1]


def mean(values: list[float]) -> float | None:
    data = [v for v in values if v is not None]
    return sum(data) / len(data) if data else None


_NUMBERS = {"0": "zero", "1": "one", "2": "two", "3": "three", "4": "four", "5": "five", "6": "six", "7": "seven",
            "8": "eight", "9": "nine", "10": "ten", "11": "eleven", "12": "twelve"}


def words(text: str) -> list[str]:
    """Lower-case words without punctuation, digits spelt out (Whisper writes "7" or "seven")."""
    out = []
    for w in re.findall(r"[a-z0-9']+", text.lower()):
        out.append(_NUMBERS.get(w, w))
    return out


def word_errors(expected: str, heard: str) -> int:
    """Word-level edit distance (substitutions, insertions, deletions)."""
    a, b = words(expected), words(heard)
    row = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        prev, row[0] = row[0], i
        for j in range(1, len(b) + 1):
            cur = min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] != b[j - 1]))
            prev, row[j] = row[j], cur
    return row[len(b)]


def intelligible(expected: str, heard: str, max_error_rate: float = 0.25) -> bool:
    """Whether the heard answer is the expected one, up to max_error_rate of its words wrong
    (Whisper tiny mishears a word now and then)."""
    return word_errors(expected, heard) <= max_error_rate * max(1, len(words(expected)))


def model_time(requests: list[dict]) -> dict:
    """The model servers' own time in a window, per step: requests, failures, median and mean
    ms (only successful requests), and the per-turn sum of the medians and of the means."""
    out: dict = {}
    for kind in ("stt", "llm", "tts"):
        ok = [r["ms"] for r in requests if r["kind"] == kind and r["status"] < 400]
        waits = [r.get("waitMs", 0.0) for r in requests if r["kind"] == kind and r["status"] < 400]
        out[kind] = {"requests": sum(1 for r in requests if r["kind"] == kind),
                     "failed": sum(1 for r in requests if r["kind"] == kind and r["status"] >= 400),
                     "p50Ms": _r(percentile(ok, 0.5)), "meanMs": _r(mean(ok)), "p95Ms": _r(percentile(ok, 0.95)),
                     "waitMeanMs": _r(mean(waits))}
    medians = [out[k]["p50Ms"] for k in ("stt", "llm", "tts")]
    means = [out[k]["meanMs"] for k in ("stt", "llm", "tts")]
    out["perTurnP50Ms"] = _r(sum(medians)) if all(v is not None for v in medians) else None
    out["perTurnMeanMs"] = _r(sum(means)) if all(v is not None for v in means) else None
    return out


def turn_figures(turns: list[dict], expected: str, transcripts: dict[str, str]) -> dict:
    """What the callers measured over the window's turns (warm-up turns left out): turns,
    answered, silent, latency p50/p95/mean, and of the transcribed answers how many were the
    expected answer."""
    measured = [t for t in turns if not t.get("warmup")]
    answered = [t for t in measured if not t.get("silent")]
    latencies = [t["latencyMs"] for t in answered if t.get("latencyMs") is not None]
    checked = [t for t in answered if t.get("wav") in transcripts]
    wrong = [t for t in checked if not intelligible(expected, transcripts[t["wav"]])]
    return {
        "turns": len(measured),
        "answered": len(answered),
        "silent": len(measured) - len(answered),
        "latencyP50Ms": _r(percentile(latencies, 0.5)),
        "latencyP95Ms": _r(percentile(latencies, 0.95)),
        "latencyMeanMs": _r(mean(latencies)),
        "latencyMaxMs": _r(max(latencies)) if latencies else None,
        "transcribed": len(checked),
        "unintelligible": len(wrong),
        "intelligibleShare": _r(1 - len(wrong) / len(checked), 3) if checked else None,
        "wordErrorsMean": _r(mean([word_errors(expected, transcripts[t["wav"]]) for t in checked]), 2),
        # A failed turn: no answer, or one the speech server's STT could not read as the answer.
        "failed": len(measured) - len(answered) + len(wrong),
    }


def overhead(turns: dict, models: dict) -> dict:
    """The framework's (and transport's) share of the response latency: latency minus the
    model servers' own time per turn (STT + LLM first token + TTS first byte), at the median
    (p50 latency - sum of the steps' medians) and on average; and the same beyond the VAD's
    configured minimum silence, which both runtimes wait by configuration.

    Only `comparable` when every turn was answered: with silent turns the model servers' log
    holds requests that no answered turn waited for (a queue longer than the turn timeout), so
    latency minus models' time means nothing (it can even be negative)."""
    p50 = None if turns.get("latencyP50Ms") is None or models.get("perTurnP50Ms") is None \
        else turns["latencyP50Ms"] - models["perTurnP50Ms"]
    avg = None if turns.get("latencyMeanMs") is None or models.get("perTurnMeanMs") is None \
        else turns["latencyMeanMs"] - models["perTurnMeanMs"]
    comparable = p50 is not None and p50 > 0 and turns.get("silent", 0) == 0
    return {"comparable": comparable, "p50Ms": _r(p50), "meanMs": _r(avg),
            "p50BeyondSilenceMs": _r(None if p50 is None else p50 - VAD_MIN_SILENCE_MS),
            "meanBeyondSilenceMs": _r(None if avg is None else avg - VAD_MIN_SILENCE_MS)}


def ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b == 0:
        return None
    return round(a / b, 3)


def ratios(runs: list[dict], runtime: str = "openrtc-jvm", reference: str = "python-agents") -> list[dict]:
    """Per N where both ran: runtime / reference for latency, overhead (beyond the silence too),
    CPU and PSS per session."""
    by = {(r["runtime"], r["sessions"]): r for r in runs if r.get("figures")}
    out = []
    for (name, n), run in sorted(by.items(), key=lambda kv: kv[0][1]):
        ref = by.get((reference, n))
        if name != runtime or ref is None:
            continue
        a, b = run["figures"], ref["figures"]
        both = a["overhead"].get("comparable", True) and b["overhead"].get("comparable", True)

        def share(key):
            return ratio(a["overhead"][key], b["overhead"][key]) if both else None
        out.append({
            "sessions": n,
            "latencyP50": ratio(a["turns"]["latencyP50Ms"], b["turns"]["latencyP50Ms"]),
            "overheadP50": share("p50Ms"),
            "overheadP50BeyondSilence": share("p50BeyondSilenceMs"),
            "overheadMean": share("meanMs"),
            "cpuPerSession": ratio(a["perSession"]["cpuPercentOfCore"], b["perSession"]["cpuPercentOfCore"]),
            "pssPerSession": ratio(a["perSession"]["pssMb"], b["perSession"]["pssMb"]),
        })
    return out


def goals(runs: list[dict], ratio_rows: list[dict], n: int = GOAL_SESSIONS) -> dict:
    """Issue 15's goals at n sessions: overhead at most half of Python's, CPU per session at most
    a third, no failed turn; None where the figure is missing."""
    row = next((r for r in ratio_rows if r["sessions"] == n), None)
    jvm = next((r for r in runs if r["runtime"] == "openrtc-jvm" and r["sessions"] == n and r.get("figures")), None)
    def met(value, limit):
        return None if value is None else value <= limit
    return {
        "sessions": n,
        "overheadAtMostHalf": met(row and row["overheadP50"], GOAL_OVERHEAD_RATIO),
        "overheadBeyondSilenceAtMostHalf": met(row and row["overheadP50BeyondSilence"], GOAL_OVERHEAD_RATIO),
        "cpuAtMostAThird": met(row and row["cpuPerSession"], GOAL_CPU_RATIO),
        "noFailedTurn": None if jvm is None else jvm["figures"]["turns"]["failed"] == 0
                                                  and jvm["figures"]["turns"]["turns"] > 0,
    }


def _r(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def voice_tables(runs: list[dict]) -> str:
    rows = []
    for r in runs:
        f = r.get("figures")
        if not f:
            rows.append([r["runtime"], str(r["sessions"]), r.get("error", "no figures")[:60]] + [""] * 12)
            continue
        t, m, o, p = f["turns"], f["models"], f["overhead"], f["perSession"]
        shown = o.get("comparable", True)
        rows.append([
            r["runtime"], str(r["sessions"]), f"{t['answered']}/{t['turns']}", str(t["silent"]),
            f"{t['unintelligible']}/{t['transcribed']}", _fmt(t["latencyP50Ms"], 0), _fmt(t["latencyP95Ms"], 0),
            _fmt(m["perTurnP50Ms"], 0), f"{_fmt(m['stt']['p50Ms'], 0)}/{_fmt(m['llm']['p50Ms'], 0)}/{_fmt(m['tts']['p50Ms'], 0)}",
            _fmt(o["p50Ms"], 0) if shown else "n/a (silent turns)", _fmt(o["p50BeyondSilenceMs"], 0) if shown else "n/a", _fmt(p["cpuPercentOfCore"], 1), _fmt(p["pssMb"], 1),
            _fmt(100 * f["machineCpuShare"], 0) + ("% SAT" if f["machineCpuShare"] > 0.9 else "%"),
            _fmt(f.get("speechServerCpuPercent"), 0),
        ])
    main = table(["runtime", "N", "answered", "silent", "unintell.", "latency p50", "p95", "models p50",
                  "stt/llm/tts p50", "overhead p50", "beyond 550 ms silence", "CPU %core/session", "PSS MB/session",
                  "machine CPU", "speech server %core"], rows)
    ratio_rows = ratios(runs)
    parts = ["Voice sessions (latency and overhead in ms; overhead = latency - the model servers' own time "
             "per turn at the median; CPU and PSS per session = (load - idle baseline) / sessions)", main]
    if ratio_rows:
        parts += ["", "openrtc-jvm / python-agents, same run", table(
            ["N", "latency p50", "overhead p50", "overhead beyond silence", "overhead mean", "CPU/session", "PSS/session"],
            [[str(x["sessions"]), _fmt(x["latencyP50"], 2), _fmt(x["overheadP50"], 2), _fmt(x["overheadP50BeyondSilence"], 2),
              _fmt(x["overheadMean"], 2), _fmt(x["cpuPerSession"], 2), _fmt(x["pssPerSession"], 2)] for x in ratio_rows])]
        g = goals(runs, ratio_rows)
        def show(v):
            return "n/a" if v is None else ("met" if v else "NOT met")
        parts += ["", f"Goals at N={g['sessions']}: overhead <= 1/2 of Python's: {show(g['overheadAtMostHalf'])} "
                      f"(beyond the silence: {show(g['overheadBeyondSilenceAtMostHalf'])}); CPU per session <= 1/3: "
                      f"{show(g['cpuAtMostAThird'])}; no failed turn (openrtc-jvm): {show(g['noFailedTurn'])}"]
    return "\n".join(parts)


def refigure(report: dict) -> dict:
    """Recomputes every run's figures, the ratios and the goals of a result.json from its raw
    fields (turnRows, transcripts, modelRequests, perSession), with this module's code."""
    answer = report["settings"]["answer"]
    for run in report["runs"]:
        if "turnRows" not in run or run.get("error"):
            continue
        turns = turn_figures(run["turnRows"], answer, run.get("transcripts") or {})
        models = model_time(run["modelRequests"])
        run["figures"].update({"turns": turns, "models": models, "overhead": overhead(turns, models)})
    report["ratios"] = ratios(report["runs"])
    report["goals"] = goals(report["runs"], report["ratios"])
    return report


if __name__ == "__main__":
    # python3 benchmarks/harness/voice_report.py result.json [--write]: the tables again (and, with
    # --write, the figures recomputed into the file).
    import json
    import sys
    from pathlib import Path

    path = Path(sys.argv[1])
    data = refigure(json.loads(path.read_text()))
    if "--write" in sys.argv[2:]:
        path.write_text(json.dumps(data, indent=1))
    print(voice_tables(data["runs"]))
