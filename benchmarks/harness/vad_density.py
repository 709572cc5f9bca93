"""VAD per session (issue 13): CPU and memory of N sessions running voice activity detection on
real speech in one process, OpenRTC-JVM against LiveKit Agents' Silero plugin, same model file,
same audio, same pacing, same sampling.

Run through benchmarks/run-vad.sh (see --help). Runtimes (--runtime, comma-separated):
  openrtc-jvm     io.openrtc.bench.VadDensity (benchmarks/openrtc-bench): per session, on a
                  virtual thread, what io.openrtc.voice.AudioInput does with every frame:
                  WebRTC's resampler 48 -> 16 kHz, then SileroVad on the JVM's one SileroModel;
  openrtc-jvm-ns  the same with WebRTC's noise suppressor (level HIGH) on each 10 ms block
                  before the VAD (openrtc.voice.noise-suppression=true);
  python-silero   benchmarks/peers/silero_vad_streams.py: silero.VAD.load() (LiveKit's
                  defaults) and N vad.stream()s in one asyncio process, livekit-agents and
                  livekit-plugins-silero 1.8.9 from PyPI in a venv under
                  ~/.cache/openrtc/bench-venvs (installed on first use).
Every session gets a 10 ms, 48 kHz mono frame every 10 ms (real time, like a call), from the
same input: --clip (default the committed Piper clip table-16k.wav) followed by --pause-ms of
silence, brought to 48 kHz by WebRTC's resampler, looped; session i starts i/N of a frame
period after the first and i/N into the input.

Each measurement is a fresh process: it loads the model and reports ready; the harness waits
--idle-settle-s, samples it idle for --baseline-s (proctree.py: PSS, RSS, CPU from /proc), starts
the sessions, waits --warmup-s (JIT, caches), then samples it for --measure-s between two marks
of the driver's counters (frames, windows classified, inference time). Per session: (load -
baseline) / N for CPU (% of one core) and memory (RSS, and PSS alongside: each runtime is one
process, so RSS holds nothing of another's, while PSS divides shared library pages with every
other process mapping them, and moves by megabytes when an unrelated JVM or Python starts or
ends on the machine), and
  CPU us/window   the process's CPU above its idle baseline per 32 ms window classified (all of
                  it: pacing, resampling, suppression, inference, events);
  infer us        the model call's own wall time per window (JVM: SileroModel's counters;
                  Python: the plugin's OnnxModel call, timed by the driver);
  resample/NS us  the JVM's resampler and noise suppressor per window (wall time);
  windows/s       windows classified per second per session: 31.25 is real time;
  behind          windows pushed but not yet classified per session at the window's end (about
                  0.5 is a partly filled window; more is a stream behind real time), worst run;
  live heap       JVM: heap in use after a full collection, running minus idle, per session;
  alloc/window    JVM: bytes allocated per window (garbage: between collections it is memory).
Every (runtime, N) is measured --repeats times, interleaved (repeat 1 of every row, then repeat
2, ...), and the table gives the median of the repeats (CPU: also the lowest and highest).
Ratios against python-silero at the same N follow the table.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from infra import (REPO, BenchmarkError, JsonLinesProcess, log, machine_cpu_ticks, positive_list, report_header,
                   result_dir, unwind_on_sigterm)
from proctree import Sampler, samples_to_json, summarize
from report import table
from runtimes import BENCH_JAR, DEFAULT_JVM_ARGS, RUNTIMES, PythonPeer, _java_home

VAD_MAIN = "io.openrtc.bench.VadDensity"
DEFAULT_CLIP = REPO / "openrtc-core" / "src" / "test" / "resources" / "io" / "openrtc" / "voice" / "vad" / "table-16k.wav"
CORE_MODEL = REPO / "openrtc-core" / "src" / "main" / "resources" / "io" / "openrtc" / "voice" / "vad" / "silero_vad.onnx"
WINDOW_S = 0.032
PYTHON_SILERO = PythonPeer("python-silero", "LiveKit Agents' Silero VAD plugin 1.8.9, N streams in one asyncio process",
                           requirements="requirements-python-silero.txt", worker_script="silero_vad_streams.py")


@dataclass(frozen=True)
class VadRuntime:
    name: str
    summary: str
    kind: str  # "jvm" or "python"
    noise_suppression: bool = False

    def prepare(self) -> None:
        if self.kind == "jvm":
            RUNTIMES["openrtc-jvm-coroutine"].prepare()  # builds benchmarks/openrtc-bench (or reuses it)
        else:
            PYTHON_SILERO.prepare()

    def command(self, audio: Path, sessions: int) -> list[str]:
        if self.kind == "jvm":
            java = str(Path(_java_home()) / "bin" / "java")
            return [java, *jvm_args(), "-cp", str(BENCH_JAR), VAD_MAIN, "--audio", str(audio), "--sessions", str(sessions),
                    "--noise-suppression", "true" if self.noise_suppression else "false"]
        return [*PYTHON_SILERO.command(), "--audio", str(audio), "--sessions", str(sessions)]


def jvm_args() -> list[str]:
    import shlex

    return shlex.split(os.environ.get("OPENRTC_BENCH_JVM_ARGS", DEFAULT_JVM_ARGS))


VAD_RUNTIMES = {
    r.name: r
    for r in (
        VadRuntime("openrtc-jvm", "OpenRTC-JVM: WebRTC resampler 48->16 kHz + SileroVad, a virtual thread per session", "jvm"),
        VadRuntime("openrtc-jvm-ns", "OpenRTC-JVM with openrtc.voice.noise-suppression: + WebRTC noise suppressor (HIGH)",
                   "jvm", noise_suppression=True),
        VadRuntime("python-silero", PYTHON_SILERO.summary, "python"),
    )
}
REFERENCE = "python-silero"


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="run-vad.sh", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runtime", default=",".join(VAD_RUNTIMES),
                   help=f"comma-separated, from {', '.join(VAD_RUNTIMES)} (default all)")
    p.add_argument("--sessions", type=positive_list(int), default=[1, 10, 50], help="comma-separated N (default 1,10,50)")
    p.add_argument("--repeats", type=int, default=3, help="fresh processes per (runtime, N) (default 3)")
    p.add_argument("--idle-settle-s", type=float, default=2.0, help="wait after ready before the baseline (default 2)")
    p.add_argument("--baseline-s", type=float, default=5.0, help="idle sampling before the sessions start (default 5)")
    p.add_argument("--warmup-s", type=float, default=15.0, help="sessions running before the window (default 15)")
    p.add_argument("--measure-s", type=float, default=20.0, help="the measuring window (default 20)")
    p.add_argument("--interval-s", type=float, default=0.5, help="sampling interval (default 0.5)")
    p.add_argument("--clip", type=Path, default=DEFAULT_CLIP, help="16 kHz mono WAV of speech (default the committed Piper clip)")
    p.add_argument("--pause-ms", type=int, default=1000, help="silence after the clip before it loops (default 1000)")
    p.add_argument("--out", type=Path, default=None, help="result directory (default benchmarks/results/<UTC time>-vad)")
    args = p.parse_args(argv)
    names = [n.strip() for n in args.runtime.split(",") if n.strip()]
    unknown = [n for n in names if n not in VAD_RUNTIMES]
    if unknown or not names:
        p.error(f"--runtime: unknown {unknown or args.runtime!r}; choose from {', '.join(VAD_RUNTIMES)}")
    args.runtimes = names
    if args.repeats < 1 or args.measure_s <= 0 or args.baseline_s <= 0 or args.warmup_s < 0 or args.pause_ms < 0:
        p.error("--repeats, --measure-s and --baseline-s must be positive; --warmup-s and --pause-ms not negative")
    return args


def make_input(clip: Path, pause_ms: int, out: Path) -> dict:
    """The 48 kHz input both runtimes read, made by the JVM driver with WebRTC's resampler."""
    java = str(Path(_java_home()) / "bin" / "java")
    done = subprocess.run([java, "--enable-native-access=ALL-UNNAMED", "-cp", str(BENCH_JAR), VAD_MAIN, "--make-input",
                           str(clip), str(pause_ms), str(out)], capture_output=True, text=True)
    if done.returncode != 0 or not out.is_file():
        raise BenchmarkError(f"making the input from {clip} failed:\n{(done.stdout + done.stderr)[-2000:]}")
    frames = (out.stat().st_size - 44) // 960
    return {"clip": str(clip.relative_to(REPO) if clip.is_relative_to(REPO) else clip), "pauseMs": pause_ms,
            "file": str(out), "frames": frames, "seconds": frames / 100}


def _delta(m0: dict, m1: dict, key: str) -> float:
    return (m1.get(key) or 0) - (m0.get(key) or 0)


def run_one(runtime: VadRuntime, sessions: int, repeat: int, audio: Path, args: argparse.Namespace, out: Path) -> dict:
    """One fresh process: idle baseline, sessions, warm-up, measuring window. Returns its figures."""
    name = f"{runtime.name}-n{sessions}-r{repeat}"
    env = dict(os.environ)
    env.setdefault("OPENRTC_BENCH_LOG_LEVEL", "INFO")
    driver = JsonLinesProcess(runtime.command(audio, sessions), env, out / f"{name}.log", stdin=True)
    try:
        ready = driver.wait_for("ready", 180)
        driver.send("gc")  # JVM: a full collection, so the baseline's heap holds what is live
        gc0 = driver.wait_for("gc", 60)
        time.sleep(args.idle_settle_s)
        sampler = Sampler(driver.pid, args.interval_s)
        baseline = sampler.sample_for(args.baseline_s)
        driver.send("start")
        driver.wait_for("started", 60)
        time.sleep(args.warmup_s)
        busy0, total0 = machine_cpu_ticks()
        driver.send("mark")
        m0 = driver.wait_for("mark", 30)
        load = sampler.sample_for(args.measure_s)
        driver.send("mark")
        m1 = driver.wait_for("mark", 30)
        busy1, total1 = machine_cpu_ticks()
        driver.send("gc")  # after the window: what the running sessions keep live
        gc1 = driver.wait_for("gc", 60)
        driver.send("stop")
        result = driver.wait_for("result", 60)
        driver.finish(30)
    finally:
        driver.kill()

    base, loaded = summarize("baseline", baseline), summarize("load", load)
    seconds = (m1["tNanos"] - m0["tNanos"]) / 1e9
    windows = _delta(m0, m1, "windows")
    frames = _delta(m0, m1, "frames")
    inferences = _delta(m0, m1, "inferences")
    cpu = loaded.cpu_core_share - base.cpu_core_share  # cores, above the idle process
    machine_cores = (busy1 - busy0) / (total1 - total0) * (os.cpu_count() or 1) if total1 > total0 else None
    per_window = (lambda key: round(_delta(m0, m1, key) / windows / 1e3, 1) if windows else None)
    figures = {
        "cpuPercentPerSession": round(100 * cpu / sessions, 3),
        "cpuUsPerWindow": round(cpu * seconds / windows * 1e6, 1) if windows else None,
        "inferenceUsPerWindow": round(_delta(m0, m1, "inferenceNanos") / inferences / 1e3, 1) if inferences else None,
        "resampleUsPerWindow": per_window("resampleNanos") if runtime.kind == "jvm" else None,
        "noiseSuppressionUsPerWindow": per_window("noiseSuppressionNanos") if runtime.noise_suppression else None,
        "vadUsPerWindow": per_window("vadNanos") if runtime.kind == "jvm" else None,
        "livekitInferenceDurationUsPerWindow": per_window("lkInferenceNanos") if runtime.kind == "python" else None,
        "pssMbPerSession": None if loaded.pss_mb_mean is None or base.pss_mb_mean is None
        else round((loaded.pss_mb_mean - base.pss_mb_mean) / sessions, 3),
        "rssMbPerSession": round((loaded.rss_mb_mean - base.rss_mb_mean) / sessions, 3),
        # JVM: heap still in use after a full collection, running minus idle (what sessions keep
        # live), and bytes allocated per window (garbage the collector must take back).
        "retainedHeapKbPerSession": round((gc1["heapUsedBytes"] - gc0["heapUsedBytes"]) / sessions / 1024, 1)
        if gc1.get("heapUsedBytes") is not None and gc0.get("heapUsedBytes") is not None else None,
        "allocatedBytesPerWindow": round(_delta(m0, m1, "allocatedBytes") / windows) if windows and "allocatedBytes" in m1 else None,
        "windowsPerSecondPerSession": round(windows / seconds / sessions, 2) if seconds > 0 else None,
        "framesPerSecondPerSession": round(frames / seconds / sessions, 2) if seconds > 0 else None,
        # The process's own CPU clock over the same window (a cross-check of /proc's figure).
        "selfCpuPercentPerSession": round(100 * (_delta(m0, m1, "processCpuNanos") / 1e9 / seconds - base.cpu_core_share)
                                          / sessions, 3) if m1.get("processCpuNanos", -1) >= 0 else None,
        "lateFrames": _delta(m0, m1, "lateFrames"),
        "maxLateMs": m1.get("maxLateMs"),
        # Windows owed at the end of the window (frames pushed but not yet classified), per
        # session: about 0.5 is a partly filled window; more is a stream falling behind.
        "windowBacklog": round(m1["frames"] * 0.010 / WINDOW_S - m1["windows"], 1),
        "windowsBehindPerSession": round((m1["frames"] * 0.010 / WINDOW_S - m1["windows"]) / sessions, 2),
        "failedSessions": result.get("failedSessions", 0),
        "machineCores": None if machine_cores is None else round(machine_cores, 3),
        "othersCores": None if machine_cores is None else round(machine_cores - loaded.cpu_core_share, 3),
    }
    return {
        "runtime": runtime.name, "sessions": sessions, "repeat": repeat, "loadAverage": os.getloadavg(),
        "command": " ".join(str(c) for c in runtime.command(audio, sessions)),
        "ready": ready, "figures": figures,
        "baseline": asdict(base), "load": asdict(loaded), "measuredSeconds": round(seconds, 3),
        "marks": [m0, m1], "gc": [gc0, gc1], "result": result,
        "samples": {"baseline": samples_to_json(baseline), "load": samples_to_json(load)},
    }


def _median(values: list) -> float | None:
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 3) if values else None


def aggregate(runs: list[dict]) -> list[dict]:
    rows: dict[tuple[str, int], list[dict]] = {}
    for run in runs:
        if "figures" in run:
            rows.setdefault((run["runtime"], run["sessions"]), []).append(run["figures"])
    out = []
    for (name, n), figures in rows.items():
        row = {"runtime": name, "sessions": n, "runs": len(figures)}
        for key in figures[0]:
            row[key] = _median([f[key] for f in figures])
        cpu = [f["cpuPercentPerSession"] for f in figures]
        row["cpuPercentPerSessionMin"], row["cpuPercentPerSessionMax"] = min(cpu), max(cpu)
        behind = [f.get("windowsBehindPerSession") for f in figures if f.get("windowsBehindPerSession") is not None]
        row["windowsBehindPerSessionMax"] = max(behind) if behind else None
        out.append(row)
    return out


def _f(value, digits: int = 1) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


HEADERS = ["runtime", "N", "runs", "CPU %/session (min-max)", "CPU us/window", "infer us", "resample us", "NS us",
           "RSS MB/session", "PSS MB/session", "live heap KB/session", "alloc KB/window", "windows/s/session",
           "behind at end (worst run)", "max late ms", "others' CPU (cores)"]


def table_rows(rows: list[dict]) -> list[list[str]]:
    return [[r["runtime"], str(r["sessions"]), str(r["runs"]),
             f"{r['cpuPercentPerSession']:.2f} ({r['cpuPercentPerSessionMin']:.2f}-{r['cpuPercentPerSessionMax']:.2f})",
             _f(r["cpuUsPerWindow"], 0), _f(r["inferenceUsPerWindow"], 0), _f(r["resampleUsPerWindow"], 0),
             _f(r["noiseSuppressionUsPerWindow"], 0), _f(r["rssMbPerSession"], 2), _f(r["pssMbPerSession"], 2),
             _f(r["retainedHeapKbPerSession"], 1),
             "n/a" if r["allocatedBytesPerWindow"] is None else f"{r['allocatedBytesPerWindow'] / 1024:.1f}",
             _f(r["windowsPerSecondPerSession"], 2), _f(r.get("windowsBehindPerSessionMax"), 1), _f(r["maxLateMs"], 1),
             _f(r["othersCores"], 2)] for r in rows]


def ratios(rows: list[dict]) -> list[dict]:
    reference = {r["sessions"]: r for r in rows if r["runtime"] == REFERENCE}
    found = []
    for r in rows:
        ref = reference.get(r["sessions"])
        if r["runtime"] == REFERENCE or ref is None:
            continue
        def ratio(key: str) -> float | None:
            a, b = r.get(key), ref.get(key)
            return None if a is None or not b or b <= 0 else round(a / b, 2)
        found.append({"runtime": r["runtime"], "sessions": r["sessions"], "cpuRatio": ratio("cpuPercentPerSession"),
                      "cpuPerWindowRatio": ratio("cpuUsPerWindow"), "inferenceRatio": ratio("inferenceUsPerWindow"),
                      "rssRatio": ratio("rssMbPerSession"), "pssRatio": ratio("pssMbPerSession")})
    return found


def marginal(rows: list[dict]) -> list[dict]:
    """What one more session costs between two measured N of a runtime: the difference of the
    whole sessions' cost (per session x N, medians) over the difference of N. The first
    session's share of fixed costs (a JVM's heap growing, Python's executor threads, caches)
    drops out."""
    by_runtime: dict[str, list[dict]] = {}
    for r in rows:
        by_runtime.setdefault(r["runtime"], []).append(r)
    found = []
    for name, runs in by_runtime.items():
        runs = sorted(runs, key=lambda r: r["sessions"])
        for low, high in zip(runs, runs[1:]):
            def step(key: str) -> float | None:
                a, b = low.get(key), high.get(key)
                if a is None or b is None:
                    return None
                return round((b * high["sessions"] - a * low["sessions"]) / (high["sessions"] - low["sessions"]), 3)
            found.append({"runtime": name, "from": low["sessions"], "to": high["sessions"],
                          "cpuPercentPerSession": step("cpuPercentPerSession"), "rssMbPerSession": step("rssMbPerSession"),
                          "pssMbPerSession": step("pssMbPerSession")})
    return found


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    unwind_on_sigterm()
    runtimes = [VAD_RUNTIMES[n] for n in args.runtimes]
    try:
        RUNTIMES["openrtc-jvm-coroutine"].prepare()  # the JVM driver also makes the input
        for runtime in runtimes:
            runtime.prepare()
    except (BenchmarkError, subprocess.CalledProcessError) as e:
        print(f"run-vad.sh: {e}", file=sys.stderr)
        return 2
    out = result_dir(args.out, "vad")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO, capture_output=True,
                           text=True).stdout.strip()
    report: dict = {**report_header("vad", "run-vad.sh", argv, args), "commit": commit + ("+dirty" if dirty else ""),
                    "jvmArgs": jvm_args(), "runs": []}
    report["settings"]["runtimes"] = args.runtimes
    try:
        report["input"] = make_input(args.clip, args.pause_ms, out / "input-48k.wav")
    except BenchmarkError as e:
        print(f"run-vad.sh: {e}", file=sys.stderr)
        return 2
    audio = Path(report["input"]["file"])
    import hashlib

    report["coreModelSha256"] = hashlib.sha256(CORE_MODEL.read_bytes()).hexdigest() if CORE_MODEL.is_file() else None
    plan = [(r, n, k) for k in range(1, args.repeats + 1) for n in args.sessions for r in runtimes]
    per_run = args.idle_settle_s + args.baseline_s + args.warmup_s + args.measure_s + 4
    log(f"vad: {len(plan)} runs of about {per_run:.0f} s ({len(plan) * per_run / 60:.1f} min), input "
        f"{report['input']['seconds']:.2f} s looped ({report['input']['clip']} + {args.pause_ms} ms)")
    failed = False
    try:
        for runtime, n, k in plan:
            log(f"  {runtime.name} N={n} repeat {k}/{args.repeats}")
            try:
                run = run_one(runtime, n, k, audio, args, out)
            except BenchmarkError as e:
                log(f"    FAILED: {e}")
                report["runs"].append({"runtime": runtime.name, "sessions": n, "repeat": k, "error": str(e)})
                failed = True
                continue
            f = run["figures"]
            log(f"    CPU {f['cpuPercentPerSession']:.2f}%/session, {_f(f['cpuUsPerWindow'], 0)} us/window, infer "
                f"{_f(f['inferenceUsPerWindow'], 0)} us, PSS {_f(f['pssMbPerSession'], 2)} MB/session, "
                f"{_f(f['windowsPerSecondPerSession'], 2)} windows/s/session, others {_f(f['othersCores'], 2)} cores")
            sha = run["ready"].get("modelSha256")
            if report["coreModelSha256"] and sha != report["coreModelSha256"]:
                log(f"    WARNING: {runtime.name}'s model sha256 {sha} differs from openrtc-core's {report['coreModelSha256']}")
            if f["failedSessions"] or not f["windowsPerSecondPerSession"]:
                failed = True
            report["runs"].append(run)
            (out / "result.json").write_text(json.dumps(report, indent=1))
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    finally:
        report["rows"] = aggregate(report["runs"])
        report["ratios"] = ratios(report["rows"])
        report["marginal"] = marginal(report["rows"])
        report["models"] = {r["runtime"]: r["ready"].get("modelSha256") for r in report["runs"] if "ready" in r}
        report["versions"] = {r["runtime"]: {k: r["ready"].get(k) for k in ("java", "onnxRuntime", "versions") if k in r["ready"]}
                              for r in report["runs"] if "ready" in r}
        (out / "result.json").write_text(json.dumps(report, indent=1))

    same = {name: sha == report["coreModelSha256"] for name, sha in report["models"].items()}
    lines = [
        f"VAD per session: {report['input']['seconds']:.2f} s of speech + pause, looped, a 10 ms 48 kHz frame per "
        f"session every 10 ms; {args.warmup_s:g} s warm-up, {args.measure_s:g} s window, median of {args.repeats} "
        f"run(s); CPU in % of one core above the idle process; same model file: "
        + ", ".join(f"{k} {'yes' if v else 'NO'}" for k, v in same.items()),
        table(HEADERS, table_rows(report["rows"])),
    ]
    if report["ratios"]:
        lines += ["", f"Per session against {REFERENCE} (same N, same run):",
                  table(["runtime", "N", "CPU ratio", "CPU us/window ratio", "infer us ratio", "RSS ratio", "PSS ratio"],
                        [[r["runtime"], str(r["sessions"]), _f(r["cpuRatio"], 2) + "x", _f(r["cpuPerWindowRatio"], 2) + "x",
                          _f(r["inferenceRatio"], 2) + "x", _f(r["rssRatio"], 2) + "x", _f(r["pssRatio"], 2) + "x"]
                         for r in report["ratios"]])]
    if report["marginal"]:
        lines += ["", "One more session (between two N of the same runtime, from the medians):",
                  table(["runtime", "N", "CPU %/session", "RSS MB/session", "PSS MB/session"],
                        [[m["runtime"], f"{m['from']} -> {m['to']}", _f(m["cpuPercentPerSession"], 2),
                          _f(m["rssMbPerSession"], 2), _f(m["pssMbPerSession"], 2)] for m in report["marginal"]])]
    text = "\n".join(lines)
    (out / "summary.md").write_text(text + "\n")
    print(text)
    print(f"\nraw JSON: {out / 'result.json'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
