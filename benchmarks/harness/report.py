"""Per-session figures, the distance above the physical floor, ratios, and text tables."""

from __future__ import annotations

# The floor: N sender/receiver audio pairs in one JVM through webrtc-java, measured on this
# machine (shared/docs/webrtc-java-notes.md, 50 pairs): what one real-media session cannot
# go below (one Opus encode and one decode per 10 ms frame).
FLOOR_MB_PER_SESSION = 1.3
FLOOR_CPU_PERCENT_PER_SESSION = 1.6


def per_session(baseline: dict, load: dict, sessions: int) -> dict:
    """Load minus baseline, divided by the number of sessions. Memory: PSS where available
    (shared pages divided among the processes sharing them), RSS alongside."""
    def delta(key: str) -> float | None:
        if baseline.get(key) is None or load.get(key) is None:
            return None
        return (load[key] - baseline[key]) / sessions

    pss = delta("pss_mb_mean")
    rss = delta("rss_mb_mean")
    cpu = delta("cpu_core_share")
    memory = pss if pss is not None else rss
    cpu_percent = None if cpu is None else 100 * cpu
    return {
        "pssMb": _round(pss, 2),
        "rssMb": _round(rss, 2),
        "cpuPercentOfCore": _round(cpu_percent, 2),
        "threads": _round(delta("threads_mean"), 2),
        "processes": _round(delta("processes_mean"), 2),
        "memoryAboveFloorMb": _round(None if memory is None else memory - FLOOR_MB_PER_SESSION, 2),
        "memoryTimesFloor": _round(None if memory is None else memory / FLOOR_MB_PER_SESSION, 1),
        "cpuAboveFloorPercent": _round(None if cpu_percent is None else cpu_percent - FLOOR_CPU_PERCENT_PER_SESSION, 2),
        "cpuTimesFloor": _round(None if cpu_percent is None else cpu_percent / FLOOR_CPU_PERCENT_PER_SESSION, 1),
    }


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def _fmt(value, digits: int = 1, suffix: str = "") -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.{digits}f}{suffix}"
    return f"{value}{suffix}"


def table(headers: list[str], rows: list[list[str]]) -> str:
    """A Markdown table (readable as text too)."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.rjust(w) for c, w in zip(cells, widths)) + " |"
    out = [line(headers), "|" + "|".join("-" * (w + 1) + ":" for w in widths) + "|"]
    out += [line(r) for r in rows]
    return "\n".join(out)


def _tone(rows: list[dict]) -> str:
    """Pitch and level the worst-off caller heard (lowest rms), and how many heard nothing."""
    heard = [r for r in rows if r.get("rms") is not None]
    silent = len(rows) - len(heard)
    if not heard:
        return "none"
    worst = min(heard, key=lambda r: r["rms"])
    return f"{worst['toneHz']:.0f}/{worst['rms']}" + (f" ({silent} heard nothing)" if silent else "")


def _java_threads(counts: dict | None) -> str:
    """platform/virtual threads of the worker JVM, and of each child JVM dumped."""
    if not counts or not counts.get("dumps"):
        return "n/a"
    def pv(d: dict) -> str:
        return f"{d['platform']}/{d['virtual']}" if "platform" in d else "?"
    worker = [d for d in counts["dumps"] if d["worker"]]
    children = [d for d in counts["dumps"] if not d["worker"]]
    text = pv(worker[0]) if worker else "?"
    if counts["jvms"] > 1:
        text += f" + {counts['jvms'] - 1} children (" + ", ".join(pv(d) for d in children) + (
            " ..." if len(children) < counts["jvms"] - 1 else "") + ")"
    return text


def _callers(run: dict) -> str:
    """The callers' driver of a run (node before the option existed)."""
    return run.get("callersDriver", "node")


def _sent_per_sec_min(rows: list[dict]) -> float | None:
    sent = [r["sentPerSec"] for r in rows if r.get("sentPerSec") is not None]
    return min(sent) if sent else None


def media_tables(runs: list[dict], reference: str) -> str:
    """The raw table, the per-session table with the floor, and ratios to the reference."""
    raw_rows, session_rows, callers_rows = [], [], []
    for run in runs:
        if run.get("error"):
            label = run["error"] if run.get("skipped") else "FAILED: " + run["error"]
            raw_rows.append([run["runtime"], str(run["sessions"]), _callers(run), label[:90]] + [""] * 9)
            continue
        b, l, c, s = run["agentBaseline"], run["agentLoad"], run["callers"], run["perSession"]
        raw_rows.append([
            run["runtime"], str(run["sessions"]), _callers(run), f"{c['callersHearing']}/{run['sessions']}" + ("" if c["callersHearing"] == run["sessions"] else " !"),
            _fmt(b["pss_mb_mean"]), _fmt(l["pss_mb_mean"]), _fmt(b["rss_mb_mean"]), _fmt(l["rss_mb_mean"]),
            _fmt(100 * b["cpu_core_share"]), _fmt(100 * l["cpu_core_share"]),
            f"{b['threads_mean']:.0f}/{l['threads_mean']:.0f}", f"{b['processes_mean']:.0f}/{l['processes_mean']:.0f}",
            _fmt(100 * run["machineCpuShare"], 0) + ("% SAT" if run["machineCpuShare"] > 0.9 else "%"),
        ])
        cl = run.get("callersLoad") or {}
        callers_rows.append([
            run["runtime"], str(run["sessions"]), _callers(run), str(c.get("callersJoined", "?")),
            _fmt(None if cl.get("cpu_core_share") is None else 100 * cl["cpu_core_share"]),
            _fmt(run.get("callersCpuPercentPerCaller"), 2), _fmt(cl.get("rss_mb_mean")),
            _fmt(_sent_per_sec_min(run.get("callerRows", []))),
        ])
        session_rows.append([
            run["runtime"], str(run["sessions"]), _callers(run), _fmt(s["pssMb"], 2), _fmt(s["rssMb"], 2),
            _fmt(s["cpuPercentOfCore"], 2), _fmt(s["threads"], 1),
            _fmt(c["framesPerSecMean"]), _fmt(c["framesPerSecMin"]), _fmt(c["gapP99MsMedian"]), _fmt(c["gapP99MsWorst"]),
            _tone(run.get("callerRows", [])),
            f"+{_fmt(s['memoryAboveFloorMb'], 1)} (x{_fmt(s['memoryTimesFloor'])})",
            f"+{_fmt(s['cpuAboveFloorPercent'], 2)} (x{_fmt(s['cpuTimesFloor'])})",
        ])
    parts = [
        "Agent process tree, baseline (idle, registered) vs load (steady state); CPU in % of one core:",
        table(["runtime", "N", "callers", "hearing", "PSS MB base", "PSS MB load", "RSS MB base", "RSS MB load",
               "CPU% base", "CPU% load", "threads b/l", "procs b/l", "machine CPU"], raw_rows),
        "",
        f"Per session (load minus baseline, divided by the sessions that ran); frames/s and gaps over all N callers (0 for one that never heard its agent); floor = {FLOOR_MB_PER_SESSION} MB and "
        f"{FLOOR_CPU_PERCENT_PER_SESSION}% of a core per audio pair (webrtc-java, 50 pairs):",
        table(["runtime", "N", "callers", "PSS MB", "RSS MB", "CPU %core", "threads", "frames/s mean", "frames/s min",
               "gap p99 ms (median caller)", "gap p99 ms (worst)", "heard Hz/rms (worst caller)", "MB above floor",
               "CPU% above floor"], session_rows),
        "(heard: the agent sends 660 Hz at rms ~4240; a lower pitch or level means lost or concealed frames. "
        "Go callers: frames/s counts 10 ms of decoded audio, a gap is between two decoded packets, 20 ms nominal; "
        "Node callers: between two 10 ms playout frames)",
        "",
        "The callers' own process over the window (one process drives all N; CPU in % of one core; "
        "sent frames/s: the worst caller's own tone, 100 is perfect, Go callers only):",
        table(["runtime", "N", "callers", "callers joined", "callers CPU%", "CPU% per caller", "callers RSS MB",
               "sent frames/s min"], callers_rows),
    ]
    jvm_rows, window_rows = [], []
    for run in runs:
        audio = run.get("agentAudio")
        if run.get("error") or (audio is None and "javaThreadsLoad" not in run):
            continue
        jvm_rows.append([run["runtime"], str(run["sessions"]), _java_threads(run.get("javaThreadsBaseline")),
                         _java_threads(run.get("javaThreadsLoad"))]
                        + ([f"{audio['sessions']}", _fmt(audio["receivedPerSecondMean"]), _fmt(audio["receivedPerSecondMin"]),
                            f"{audio['receivedHzMedian']}/{audio['receivedRmsMin']}", str(audio["receivedDropped"]),
                            _fmt(audio["sentPerSecondMean"]), str(audio["sentUnderruns"])] if audio else ["none"] + [""] * 6))
        if audio and audio.get("windowSessions"):
            share = audio.get("windowConcealedShare")
            share_max = audio.get("windowConcealedShareMax")
            window_rows.append([
                run["runtime"], str(run["sessions"]), _callers(run), str(audio["windowSessions"]),
                _fmt(audio["windowPerSecondMean"]), _fmt(audio["windowPerSecondMin"]),
                f"{audio['windowHzMedian']}/{audio['windowRmsMedian']}", f"{audio['windowHzMin']}/{audio['windowRmsMin']}",
                str(audio["windowSilentFrames"]), _fmt(audio["windowMaxGapMs"]),
                f"{audio['windowStatsSessions']}",
                "n/a" if share is None else f"{100 * share:.2f}% (max {100 * share_max:.2f}%)",
                str(audio["windowPacketsLost"]), _fmt(audio["windowJitterBufferDelayMsMedian"]),
            ])
    if jvm_rows:
        parts += ["",
                  "JVM runtimes: Java threads (platform/virtual) of the worker JVM and of its first child JVMs, idle and "
                  "while settling, and "
                  "what each agent session reported at its end (whole session, not only the window; the caller sends "
                  "440 Hz at rms ~4240):",
                  table(["runtime", "N", "Java threads base", "Java threads load", "sessions reporting",
                         "heard frames/s mean", "heard frames/s min", "heard Hz/rms (median/min)", "frames dropped",
                         "sent frames/s mean", "send underruns"], jvm_rows)]
    if window_rows:
        parts += ["",
                  "JVM runtimes: what each agent session heard in the measuring window only, with WebRTC's receive "
                  "statistics of the caller's track over it (concealed: samples WebRTC made up for missing or late "
                  "packets; jitter buffer: its average delay since subscription, median session):",
                  table(["runtime", "N", "callers", "sessions", "heard frames/s mean", "heard frames/s min",
                         "heard Hz/rms (median)", "heard Hz/rms (min)", "silent frames", "max gap ms",
                         "sessions with stats", "concealed", "packets lost", "jitter buffer ms"], window_rows)]
    ratio_rows = []
    by_key = {(r["runtime"], r["sessions"], _callers(r)): r for r in runs if not r.get("error")}
    for run in runs:
        if run.get("error") or run["runtime"] == reference:
            continue
        ref = by_key.get((reference, run["sessions"], _callers(run)))
        if ref is None:
            continue
        mem, ref_mem = run["perSession"]["pssMb"], ref["perSession"]["pssMb"]
        cpu, ref_cpu = run["perSession"]["cpuPercentOfCore"], ref["perSession"]["cpuPercentOfCore"]
        ratio_rows.append([run["runtime"], str(run["sessions"]), _callers(run),
                           _fmt(mem / ref_mem if mem is not None and ref_mem else None, 1, "x"),
                           _fmt(cpu / ref_cpu if cpu is not None and ref_cpu else None, 1, "x")])
    parts.append("")
    if ratio_rows:
        parts += [f"Per-session ratios against {reference} (same N, same callers, same run):",
                  table(["runtime", "N", "callers", "memory ratio", "CPU ratio"], ratio_rows)]
    else:
        parts.append(f"Ratios against {reference}: n/a ({reference} was not measured in this run).")
    return "\n".join(parts)
