"""Stub density: N sessions launched at once through OpenRTC-JVM's real session pool, each
holding a buffer (default 5 MB, every page written) for --hold-ms (default 1 s), no LiveKit and
no WebRTC; the same workload as OpenRTC-Python's published stub table
(mahimailabs/openrtc-runtime, docs/benchmarks/density-v0.1.md), for comparison.

Run through benchmarks/run-stub-density.sh (see --help). Each measurement runs in a fresh JVM
(io.openrtc.bench.StubDensity in benchmarks/openrtc-bench), which samples its own resident
memory every 50 ms from /proc, so every row starts from the same baseline:
  1. for each N: one run with the buffer. When N x buffer exceeds --max-live-mb, the pool's
     max-concurrent-sessions is capped at --max-live-mb / buffer and the launcher offers a
     job again when a slot frees (as LiveKit offers a declined job again): all N sessions
     still run, at most the cap at once. The row says so;
  2. for each N: --overhead-runs runs with no buffer: the pool's own cost per session
     (a virtual thread, its handle, the bookkeeping), all N at once;
  3. with --process-sessions M > 0: M sessions in process isolation (a child JVM each) with
     the buffer, memory summed over the tree (RSS, and PSS which divides shared pages).
Reported per run: baseline and peak RSS (MB), peak - baseline, that divided by N, the heap in
use at the peak (with a buffer) or, without one, the heap each session retains (a full
collection once all N are alive and asleep, minus one before the launch), elapsed from the first launch to the last outcome, launch time, successes and
failures, the most sessions alive at once, platform threads at the peak, GC count and time.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import subprocess
import sys
from pathlib import Path

from infra import BENCH, BenchmarkError, log, positive_list, report_header, result_dir, unwind_on_sigterm
from report import table
from runtimes import BENCH_JAR, RUNTIMES, _java_home

STUB_MAIN = "io.openrtc.bench.StubDensity"
MB = 1024 * 1024



def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="run-stub-density.sh", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sessions", type=positive_list(int), default=[50, 500, 5000, 10000],
                   help="comma-separated N values (default 50,500,5000,10000)")
    p.add_argument("--buffer-mb", type=float, default=5.0, help="buffer each session holds (default 5)")
    p.add_argument("--hold-ms", type=int, default=1000, help="how long each session holds it (default 1000)")
    p.add_argument("--overhead-runs", type=int, default=2, help="runs per N with no buffer (default 2)")
    p.add_argument("--max-live-mb", type=float, default=5000.0,
                   help="most buffer memory alive at once; above it the pool's capacity caps concurrency "
                        "(default 5000: 1,000 sessions of 5 MB in the 8 GB heap)")
    p.add_argument("--process-sessions", type=int, default=10,
                   help="sessions of the process-isolation run, 0 for none (default 10)")
    p.add_argument("--jvm-args", default="-Xmx8g",
                   help="flags of every benchmark JVM, written --jvm-args='-Xmx8g -XX:+UseSerialGC' (default -Xmx8g); "
                        "printed with the results")
    p.add_argument("--out", type=Path, default=None, help="result directory (default benchmarks/results/<UTC time>-stub)")
    args = p.parse_args(argv)
    if args.buffer_mb < 0 or args.hold_ms < 0 or args.overhead_runs < 0 or args.process_sessions < 0:
        p.error("--buffer-mb, --hold-ms, --overhead-runs and --process-sessions must not be negative")
    return args


def run_jvm(java: str, jvm_args: list[str], stub_args: list[str], log_path: Path) -> dict:
    """One StubDensity JVM; returns its RESULT line, or raises with the tail of its log."""
    command = [java, *jvm_args, "-cp", str(BENCH_JAR), STUB_MAIN, *stub_args]
    log(f"  {' '.join(stub_args)}")
    with open(log_path, "w") as out:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=out, text=True, start_new_session=True)
        result = None
        try:
            assert process.stdout is not None
            for line in process.stdout:
                if line.startswith("RESULT "):
                    result = json.loads(line[len("RESULT "):])
                else:
                    out.write(line)
            code = process.wait(timeout=60)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    if result is None or code != 0:
        tail = log_path.read_text(errors="replace")[-1500:]
        raise BenchmarkError(f"StubDensity {' '.join(stub_args)} exited with {code} and no result:\n{tail}")
    result["command"] = " ".join(["java", *jvm_args, "-cp", str(BENCH_JAR.relative_to(BENCH.parent)), STUB_MAIN, *stub_args])
    return result


def mb(value: float | None) -> str:
    return "n/a" if value is None or value < 0 else f"{value / MB:.1f}"


def row(kind: str, r: dict) -> list[str]:
    n = r["sessions"]
    delta = r["peakRssBytes"] - r["baselineRssBytes"]
    pss_delta = (r["peakPssBytes"] - r["baselinePssBytes"]) if r.get("peakPssBytes", -1) >= 0 else None
    live = r.get("liveHeapAllAliveBytes", -1)
    heap = (f"{(live - r['baselineLiveHeapBytes']) / n / 1024:.1f} KB" if live >= 0
            else "n/a" if r["bufferBytes"] == 0 else mb(r["peakHeapUsedBytes"]))
    # With the pool's capacity capping concurrency, the peak holds at most the cap's worth of
    # sessions: per session means per session alive at once then.
    capped = r["maxConcurrent"] < n
    per = r["maxConcurrent"] if capped else n
    per_session_kb = delta / per / 1024
    cap = f" (cap {r['maxConcurrent']})" if capped else ""
    return [
        kind, r["isolation"], f"{n:,}", f"{r['successes']:,}", str(r["failures"] + r["cancelled"] + r["unfinished"]),
        mb(r["baselineRssBytes"]), mb(r["peakRssBytes"]), mb(delta),
        (f"{per_session_kb / 1024:.2f} MB" if per_session_kb >= 1024 else f"{per_session_kb:.1f} KB")
        + (f" per {per:,} alive" if capped else ""),
        "" if pss_delta is None else f"{pss_delta / n / MB:.2f} MB",
        heap,
        f"{r['elapsedMs'] / 1000:.2f} s", f"{r['launchMs']:.0f} ms", f"{r['mostSessionsAlive']:,}{cap}",
        str(r["peakPlatformThreads"]), f"{r['gcCount']}/{r['gcMillis']} ms",
    ]


HEADERS = ["run", "isolation", "sessions", "ok", "failed", "baseline RSS MB", "peak RSS MB", "delta MB",
           "delta / session", "PSS delta / session", "heap retained / session (no buffer) or peak heap MB", "elapsed", "launch",
           "most alive", "platform threads", "GCs/time"]



def main(argv: list[str]) -> int:
    args = parse_args(argv)
    unwind_on_sigterm()
    try:
        RUNTIMES["openrtc-jvm-coroutine"].prepare()  # builds benchmarks/openrtc-bench
        java = str(Path(_java_home()) / "bin" / "java")
    except BenchmarkError as e:
        print(f"run-stub-density.sh: {e}", file=sys.stderr)
        return 2
    jvm_args = shlex.split(args.jvm_args)
    out = result_dir(args.out, "stub")
    version = subprocess.run([java, "-version"], capture_output=True, text=True).stderr.splitlines()
    report: dict = {
        **report_header("stub-density", "run-stub-density.sh", argv, args),
        "java": version[1] if len(version) > 1 else None,
        "jvmArgs": jvm_args,
        "runs": [],
    }
    rows: list[list[str]] = []
    failed = False
    cap = max(1, int(args.max_live_mb // args.buffer_mb)) if args.buffer_mb > 0 else None
    plan: list[tuple[str, list[str]]] = []
    for n in args.sessions:
        limit = min(n, cap) if cap else n
        plan.append(("buffer", ["--sessions", str(n), "--buffer-mb", f"{args.buffer_mb:g}", "--hold-ms", str(args.hold_ms),
                                "--max-concurrent", str(limit)]))
        for i in range(args.overhead_runs):
            plan.append((f"overhead {i + 1}", ["--sessions", str(n), "--buffer-mb", "0", "--hold-ms", str(args.hold_ms)]))
    if args.process_sessions:
        plan.append(("buffer", ["--sessions", str(args.process_sessions), "--buffer-mb", f"{args.buffer_mb:g}",
                                "--hold-ms", str(args.hold_ms), "--isolation", "process"]))
    log(f"stub density: {len(plan)} JVM runs, flags {' '.join(jvm_args)}, buffer {args.buffer_mb:g} MB"
        + (f", at most {cap:,} buffers alive at once (--max-live-mb {args.max_live_mb:g})" if cap else ""))
    try:
        for index, (kind, stub_args) in enumerate(plan):
            try:
                result = run_jvm(java, jvm_args, stub_args, out / f"run{index + 1:02d}.log")
            except BenchmarkError as e:
                log(f"FAILED: {e}")
                report["runs"].append({"kind": kind, "args": stub_args, "error": str(e)})
                failed = True
                continue
            result["kind"] = kind
            samples = result.pop("samples")
            (out / f"run{index + 1:02d}-samples.json").write_text(json.dumps(samples))
            report["runs"].append(result)
            rows.append(row(kind, result))
            log(f"    {rows[-1][3]}/{rows[-1][2]} ok, peak RSS {rows[-1][6]} MB, delta/session {rows[-1][8]}, "
                f"elapsed {rows[-1][11]}")
            (out / "result.json").write_text(json.dumps(report, indent=1))
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    finally:
        (out / "result.json").write_text(json.dumps(report, indent=1))
    text = "\n".join([
        f"Stub density, {report['java']}, JVM flags {' '.join(jvm_args)}; buffer {args.buffer_mb:g} MB held "
        f"{args.hold_ms} ms per session; 'overhead' rows hold nothing (the pool's own cost per session):",
        table(HEADERS, rows),
    ])
    (out / "summary.md").write_text(text + "\n")
    print(text)
    print(f"\nraw JSON: {out / 'result.json'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
