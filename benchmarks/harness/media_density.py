"""Real-media density: N concurrent sessions on a real livekit-server, one room each, a
caller publishing a tone into each room and the agent answering with its own tone; the
agent's process tree is sampled idle (baseline) and in steady state (load).

Run through benchmarks/run-media-density.sh (see --help). For each runtime and each N:
  1. start the runtime's worker under a fresh agent name, wait until the server logs that
     it registered, let it settle (--idle-settle-s), sample it idle (--baseline-s);
  2. start ONE process driving N callers (--callers node: callers/media-callers.mjs on
     LiveKit's Node SDK; go: callers-go on LiveKit's Go SDK, pion): each joins its room, publishes a 440 Hz tone and dispatches the agent there (CreateDispatch); when
     every caller hears its agent, wait --settle-s, then a --measure-s window in which the
     agent tree, the callers and the server are sampled and every caller times the agent's
     frames;
  3. delete the rooms, stop the worker (SIGTERM, then SIGKILL to its process group).
One server serves the whole run (every runtime, every N), and is stopped at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import threading
import time
from dataclasses import asdict
from pathlib import Path

from infra import (MEDIA_CALLERS, BenchmarkError, JsonLinesProcess, LiveKitServer, WorkerProcess, go_callers_facts,
                   java_processes, java_thread_counts, log, machine_cpu_ticks, positive_list, prepare_media_callers,
                   report_header, result_dir, unwind_on_sigterm, await_idle_worker)
from proctree import descendants, sample_tree, samples_to_json, summarize
from report import (FLOOR_CPU_PERCENT_PER_SESSION, FLOOR_MB_PER_SESSION, media_tables, per_session)
from runtimes import REFERENCE_RUNTIME, Runtime, prepare_runtimes, runtime_facts

AGENT_TONE_HZ = 660
CALLER_TONE_HZ = 440



def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="run-media-density.sh", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runtime", required=True,
                   help="comma-separated: python-agents, openrtc-python, openrtc-jvm-coroutine, openrtc-jvm-process")
    p.add_argument("--sessions", type=positive_list(int), default=[1, 2, 5], help="comma-separated N values (default 1,2,5)")
    p.add_argument("--callers", type=callers_list, default=["go"],
                   help="the callers' driver, comma-separated to run each (runtime, N) once per driver: go "
                        "(callers-go, LiveKit's server-sdk-go on pion, built with go build the first time; needs Go "
                        "1.26+, pkg-config, libopus-dev and libsoxr-dev) or node (callers/media-callers.mjs, "
                        "@livekit/rtc-node; about 3x the CPU per caller) (default go)")
    p.add_argument("--baseline-s", type=float, default=5.0, help="idle sampling window (default 5)")
    p.add_argument("--idle-settle-s", type=float, default=5.0,
                   help="wait after registration, then until the idle tree is steady, before the baseline (default 5)")
    p.add_argument("--steady-timeout-s", type=float, default=90.0,
                   help="longest wait for the idle tree to stop changing (default 90)")
    p.add_argument("--settle-s", type=float, default=5.0, help="wait after every caller hears its agent (default 5)")
    p.add_argument("--measure-s", type=float, default=20.0, help="steady-state window (default 20)")
    p.add_argument("--interval-s", type=float, default=1.0, help="sampling interval (default 1)")
    p.add_argument("--ready-timeout-s", type=float, default=120.0, help="how long callers may wait for their agent (default 120)")
    p.add_argument("--register-timeout-s", type=float, default=180.0, help="how long a worker may take to register (default 180)")
    p.add_argument("--give-up-below", type=float, default=0.5,
                   help="a runtime in which fewer than this share of the N sessions ran is not run at larger N "
                        "(it would only load the machine); 0 runs every N (default 0.5)")
    p.add_argument("--out", type=Path, default=None, help="result directory (default benchmarks/results/<UTC time>-media)")
    return p.parse_args(argv)


def callers_list(value: str) -> list[str]:
    kinds = [v.strip() for v in value.split(",") if v.strip()]
    if not kinds or any(k not in MEDIA_CALLERS for k in kinds):
        raise argparse.ArgumentTypeError(f"expected a comma-separated list of {', '.join(MEDIA_CALLERS)}, not {value!r}")
    return list(dict.fromkeys(kinds))


def sample_trees(roots: dict[str, int], interval_s: float, stop) -> dict[str, list]:
    """Samples every tree at the same instants until stop() is true (one last sample then)."""
    taken: dict[str, list] = {name: [] for name in roots}
    while True:
        for name, pid in roots.items():
            taken[name].append(sample_tree(pid))
        if stop():
            return taken
        time.sleep(interval_s)


def read_events(path: Path, event: str) -> list[dict]:
    if not path.is_file():
        return []
    lines = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [line for line in lines if line.get("event") == event]


def read_sessions(path: Path) -> list[dict]:
    return read_events(path, "session")


def agent_audio(path: Path) -> dict | None:
    """What the agents say they sent and heard, one "agent-audio" line per session at its end
    (OpenRTC-JVM's tone agent writes them; the Python peers do not): proof, from the agent's
    side, that every session decoded the caller and published its tone."""
    lines = read_events(path, "agent-audio")
    if not lines:
        return None
    received = sorted(l["receivedPerSecond"] for l in lines)
    sent = [l["sentFrames"] / l["sessionSeconds"] for l in lines if l.get("sessionSeconds")]
    return {
        **window_audio(lines),
        "sessions": len(lines),
        "receivedPerSecondMean": round(sum(received) / len(received), 1),
        "receivedPerSecondMin": received[0],
        "receivedHzMedian": sorted(l["receivedHz"] for l in lines)[len(lines) // 2],
        "receivedRmsMin": min(l["receivedRms"] for l in lines),
        "receivedDropped": sum(l["receivedDropped"] for l in lines),
        "sentPerSecondMean": round(sum(sent) / len(sent), 1) if sent else None,
        "sentUnderruns": sum(l["sentUnderruns"] for l in lines),
    }


def _median(values: list) -> float | None:
    values = sorted(v for v in values if v is not None)
    return values[len(values) // 2] if values else None


def window_audio(lines: list[dict]) -> dict:
    """The agents' audio over the measuring window only (the "window" part of each agent-audio
    line, when the worker was told the window: OPENRTC_BENCH_WINDOW), with WebRTC's receive
    statistics of the caller's track over the same window: samples concealed (made up for
    missing or late packets), packets lost, the jitter buffer's delay."""
    windows = [l["window"] for l in lines if isinstance(l.get("window"), dict)]
    if not windows:
        return {"windowSessions": 0}
    stats = [w for w in windows if w.get("samplesReceived")]
    samples = sum(w["samplesReceived"] for w in stats)
    concealed = sum(w["concealedSamples"] for w in stats)
    return {
        "windowSessions": len(windows),
        "windowPerSecondMin": min(w["perSecond"] for w in windows),
        "windowPerSecondMean": round(sum(w["perSecond"] for w in windows) / len(windows), 1),
        "windowHzMedian": _median([w["hz"] for w in windows]),
        "windowHzMin": min(w["hz"] for w in windows),
        "windowRmsMedian": _median([w["rms"] for w in windows]),
        "windowRmsMin": min(w["rms"] for w in windows),
        "windowSilentFrames": sum(w.get("silentFrames", 0) for w in windows),
        "windowMaxGapMs": max(w.get("maxGapMs", 0) for w in windows),
        "windowStatsSessions": len(stats),
        "windowConcealedShare": round(concealed / samples, 4) if samples else None,
        "windowConcealedShareMax": max((w["concealedShare"] for w in stats), default=None),
        "windowPacketsLost": sum(w["packetsLost"] for w in stats),
        "windowJitterBufferDelayMsMedian": _median([w.get("jitterBufferDelayMsAtEnd") for w in stats]),
    }


def java_threads(root: int, children_dumped: int = 2) -> dict:
    """Java threads of the worker JVM and of up to children_dumped child JVMs (a dump costs
    about a second each: with a hundred children only a sample is taken)."""
    jvms = java_processes(descendants(root))
    children = [p for p in jvms if p != root]
    dumped = ([root] if root in jvms else []) + children[:children_dumped]
    return {"jvms": len(jvms),
            "dumps": [{"pid": p, "worker": p == root, **(java_thread_counts(p) or {})} for p in dumped]}


def run_one(server: LiveKitServer, runtime: Runtime, sessions: int, args: argparse.Namespace, out: Path,
            callers: str = "node", callers_command: list[str] | None = None) -> dict:
    tag = f"{runtime.name}-n{sessions}-{callers}"
    agent_name = f"bench-{tag}-{secrets.token_hex(3)}"
    events_path = out / f"{tag}-sessions.jsonl"
    events_path.unlink(missing_ok=True)
    # The measuring window, announced to the worker (OpenRTC-JVM's tone agent reports what it
    # heard in it; the Python peers ignore it): "start <epoch ms>", then "end <epoch ms>".
    window_path = out / f"{tag}-window.txt"
    window_path.unlink(missing_ok=True)
    env = runtime.worker_env(server.client_env(), agent_name, "media", events_path, max(50, 2 * sessions),
                             tone_hz=str(AGENT_TONE_HZ))
    env["OPENRTC_BENCH_WINDOW"] = str(window_path)
    result: dict = {"runtime": runtime.name, "sessions": sessions, "callersDriver": callers, "agentName": agent_name}
    offset = server.log_offset()
    command = runtime.command()
    log(f"[{tag}] starting worker: {' '.join(command)}")
    worker = WorkerProcess(command, env, out / f"{tag}-worker.log")
    driver = None
    try:
        await_idle_worker(server, worker, agent_name, offset, args, result)
        log(f"[{tag}] worker registered after {result['registeredAfterS']} s, idle tree steady "
            f"{result['steadyAfterS']} s later; baseline {args.baseline_s:g} s")
        deadline = time.monotonic() + args.baseline_s
        baseline = sample_trees({"agent": worker.pid, "server": server.pid}, args.interval_s,
                                lambda: time.monotonic() >= deadline)
        if runtime.is_jvm:
            result["javaThreadsBaseline"] = java_threads(worker.pid)

        driver = JsonLinesProcess(
            [*(callers_command or prepare_media_callers([callers])[callers]),
             "--sessions", str(sessions), "--agent-name", agent_name,
             "--room-prefix", f"media-{tag}-{secrets.token_hex(2)}", "--tone-hz", str(CALLER_TONE_HZ),
             "--settle-s", str(args.settle_s), "--measure-s", str(args.measure_s),
             "--ready-timeout-s", str(args.ready_timeout_s)],
            {**env, "LIVEKIT_URL": server.url}, out / f"{tag}-callers.log",
            # Announced to the worker the moment the callers say so, on the reading thread: the
            # callers keep their rooms for --linger-s after the window, in which the agents take
            # their end-of-window figures.
            on_event=lambda e: announce_window(window_path, e["event"][len("window-"):])
            if e["event"] in ("window-start", "window-end") else None)
        hearing = driver.wait_for("all-hearing", 120 + args.ready_timeout_s + 3 * sessions)
        log(f"[{tag}] {hearing['count']}/{sessions} callers hear their agent after {hearing['sinceStartMs']} ms; settling")
        dump = None
        if runtime.is_jvm:
            # While settling, every session running: not after the window (the callers then
            # delete the rooms and the sessions end), and on a thread of its own so that the
            # window's sampling never waits for it. A dump costs the JVM some CPU: with
            # --settle-s shorter than the dumps take, it overlaps the window (logged).
            dump = threading.Thread(target=lambda: result.__setitem__("javaThreadsLoad", java_threads(worker.pid)),
                                    daemon=True)
            dump.start()
        driver.wait_for("window-start", args.settle_s + 60)
        if dump is not None and dump.is_alive():
            log(f"[{tag}] the Java thread dumps overlap the measuring window (raise --settle-s)")
            result["javaThreadDumpOverlapsWindow"] = True
        cpu_start = machine_cpu_ticks()
        window_ended: list[dict] = []

        def window_over() -> bool:
            # Takes events only up to window-end: what follows is for wait_for("done").
            while not window_ended and not driver.events.empty():
                event = driver.events.get()
                if event["event"] == "window-end":
                    window_ended.append(event)
                elif event["event"] == "_eof":
                    raise BenchmarkError("the callers' driver exited inside the measuring window")
            return bool(window_ended)

        load = sample_trees({"agent": worker.pid, "server": server.pid, "callers": driver.pid}, args.interval_s, window_over)
        cpu_end = machine_cpu_ticks()
        if dump is not None:
            dump.join(timeout=120)
        driver.wait_for("done", 120)
        driver.finish()
        if runtime.is_jvm:
            # The callers deleted the rooms; let the sessions end and report their audio before
            # the worker is stopped (its children share its process group and get the SIGTERM).
            deadline = time.monotonic() + 20
            while (len(read_events(events_path, "agent-audio")) < len(read_sessions(events_path))
                   and time.monotonic() < deadline):
                time.sleep(0.25)
        callers = [e for e in driver.all_events if e["event"] == "caller"]
        summary = next(e for e in driver.all_events if e["event"] == "summary")

        agent_base, agent_load = summarize("baseline", baseline["agent"]), summarize("load", load["agent"])
        result.update({
            "agentBaseline": asdict(agent_base),
            "agentLoad": asdict(agent_load),
            "serverBaseline": asdict(summarize("baseline", baseline["server"])),
            "serverLoad": asdict(summarize("load", load["server"])),
            "callersLoad": asdict(summarize("load", load["callers"])),
            "callersCpuPercentPerCaller": callers_cpu_per_caller(summarize("load", load["callers"]).cpu_core_share,
                                                                 summary["callersJoined"]),
            "machineCpuShare": round((cpu_end[0] - cpu_start[0]) / max(1, cpu_end[1] - cpu_start[1]), 3),
            "loadAverageAfterWindow": os.getloadavg(),
            "callers": {k: v for k, v in summary.items() if k not in ("event", "tMs")},
            "callerRows": [{k: v for k, v in c.items() if k not in ("event", "tMs")} for c in callers],
            "sessionsRecorded": read_sessions(events_path),
            "serverDispatchTrouble": server.dispatch_trouble(agent_name, offset),
            # Divided by the sessions that ran (callers that heard their agent), not by N.
            "activeSessions": summary["callersHearing"],
            "perSession": per_session(asdict(agent_base), asdict(agent_load), max(1, summary["callersHearing"])),
            "samples": {
                "baseline": {name: samples_to_json(s, per_process=True) for name, s in baseline.items()},
                "load": {name: samples_to_json(s, per_process=(name == "agent")) for name, s in load.items()},
            },
        })
        return result
    except BenchmarkError as e:
        log(f"[{tag}] FAILED: {e}")
        result["error"] = str(e)
        return result
    finally:
        if driver is not None:
            driver.kill()
        worker.stop()
        log(f"[{tag}] worker stopped")
        result["agentAudio"] = agent_audio(events_path)



def announce_window(path: Path, edge: str) -> None:
    with open(path, "a", encoding="utf-8") as f:
        f.write(f"{edge} {int(time.time() * 1000)}\n")


def callers_cpu_per_caller(cpu_core_share: float | None, callers: int) -> float | None:
    """The callers' process over the window, in % of one core per caller that joined."""
    if cpu_core_share is None or callers <= 0:
        return None
    return round(100 * cpu_core_share / callers, 2)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    runtimes = prepare_runtimes(args.runtime, "run-media-density.sh")
    callers_commands = prepare_media_callers(args.callers)
    out = result_dir(args.out, "media")
    unwind_on_sigterm()
    report: dict = {
        **report_header("media-density", "run-media-density.sh", argv, args),
        "floor": {"mbPerSession": FLOOR_MB_PER_SESSION, "cpuPercentPerSession": FLOOR_CPU_PERCENT_PER_SESSION,
                  "source": "shared/docs/webrtc-java-notes.md (50 audio pairs in one JVM)"},
        "runtimes": runtime_facts(runtimes),
        "callersDrivers": {kind: (go_callers_facts() if kind == "go" else {"script": "callers/media-callers.mjs"})
                           for kind in args.callers},
        "runs": [],
    }
    server = LiveKitServer.start(f"bench-media-{os.getpid()}")
    try:
        report["livekitServer"] = server.version()
        given_up: dict[tuple[str, str], str] = {}
        for sessions in args.sessions:
            for runtime in runtimes:
                for callers in args.callers:
                    key = (runtime.name, callers)
                    if key in given_up:
                        log(f"[{runtime.name}-n{sessions}-{callers}] not run: {given_up[key]}")
                        report["runs"].append({"runtime": runtime.name, "sessions": sessions, "callersDriver": callers,
                                               "skipped": True, "error": f"not run: {given_up[key]}"})
                        continue
                    run = run_one(server, runtime, sessions, args, out, callers, callers_commands[callers])
                    report["runs"].append(run)
                    (out / "result.json").write_text(json.dumps(report, indent=1))
                    ran = run.get("activeSessions", 0)
                    if run.get("error") or ran < args.give_up_below * sessions:
                        given_up[key] = (f"at N={sessions} {ran}/{sessions} sessions ran "
                                         f"(--give-up-below {args.give_up_below:g})")
    except KeyboardInterrupt:
        log("interrupted: stopping everything")
        return 130
    finally:
        server.stop()
        (out / "result.json").write_text(json.dumps(report, indent=1))

    tables = media_tables(report["runs"], REFERENCE_RUNTIME)
    trouble = [f"- {r['runtime']} N={r['sessions']}: {r['serverDispatchTrouble']}" for r in report["runs"]
               if r.get("serverDispatchTrouble")]
    if trouble:
        tables += "\n\nThe server could not place some jobs (from its log):\n" + "\n".join(trouble)
    (out / "summary.md").write_text(tables + "\n")
    print(tables)
    print(f"\nraw JSON: {out / 'result.json'}")
    return 1 if any(r.get("error") and not r.get("skipped") for r in report["runs"]) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
