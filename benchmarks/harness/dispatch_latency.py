"""Dispatch latency and throughput: CreateDispatch calls fired at fixed rates, each for a new
room, and how long each runtime takes from LiveKit's availability request to a running
session, and how many sessions per second it actually starts.

Run through benchmarks/run-dispatch-latency.sh (see --help). For each runtime: start its
worker in dispatch mode (a session joins, records its timeline, leaves at once), wait until
it registers, then for each rate fire --count dispatches (callers/dispatch-driver.mjs, open
loop: one every 1/rate s), wait until every session has recorded its timeline (or
--drain-timeout-s passes), delete the rooms, next rate. Reported per rate:
  request->running  requestedMs -> runningMs of each session: the worker received the
                    AvailabilityRequest -> the agent's code runs with the room connected
                    (the runtime's own timeline, see runtimes.py)
  dispatch->running the CreateDispatch call was sent -> runningMs (what a caller waits)
  API ack           the CreateDispatch call was sent -> its answer
  running/s         sessions that reached running per second, first send to last running
  missing           dispatches whose session never recorded running in time
"""

from __future__ import annotations

import argparse
import json
import math
import os
import secrets
import statistics
import sys
import time
from pathlib import Path

from infra import (BenchmarkError, JsonLinesProcess, LiveKitServer, WorkerProcess, log, node_command,
                   positive_list, report_header, result_dir, unwind_on_sigterm)
from report import table
from runtimes import Runtime, prepare_runtimes, runtime_facts



def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="run-dispatch-latency.sh", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runtime", required=True,
                   help="comma-separated: python-agents, openrtc-python, openrtc-jvm-coroutine, openrtc-jvm-process")
    p.add_argument("--rates", type=positive_list(float), default=[10.0, 50.0, 100.0],
                   help="dispatches per second, comma-separated (default 10,50,100)")
    p.add_argument("--count", type=int, default=50, help="dispatches fired at each rate (default 50)")
    p.add_argument("--warmup", type=int, default=5,
                   help="dispatches fired one a second before the measured rates, reported apart as the cold "
                        "start: a fresh worker's first sessions pay for loading and compiling the join path "
                        "(default 5, 0 for none)")
    p.add_argument("--drain-timeout-s", type=float, default=120.0,
                   help="after the last dispatch, how long sessions may take to start (default 120)")
    p.add_argument("--idle-settle-s", type=float, default=5.0, help="wait after registration (default 5)")
    p.add_argument("--pause-s", type=float, default=5.0, help="pause between rates, after the rooms are deleted (default 5)")
    p.add_argument("--register-timeout-s", type=float, default=180.0)
    p.add_argument("--out", type=Path, default=None, help="result directory (default benchmarks/results/<UTC time>-dispatch)")
    args = p.parse_args(argv)
    if args.count <= 0:
        p.error("--count must be positive")
    if args.warmup < 0:
        p.error("--warmup must be zero or positive")
    return args


def quantile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def spread(values: list[float]) -> dict:
    return {"n": len(values), "p50": quantile(values, 0.5), "p99": quantile(values, 0.99),
            "max": max(values) if values else None,
            "mean": round(statistics.fmean(values), 1) if values else None}


def read_sessions(path: Path) -> list[dict]:
    if not path.is_file():
        return []
    lines = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [line for line in lines if line.get("event") == "session"]


def run_rate(server: LiveKitServer, env: dict, tag: str, rate: float, count: int, args: argparse.Namespace,
             events_path: Path, out: Path, warmup: bool = False) -> dict:
    prefix = f"d-{tag}-{'w' if warmup else ''}{int(rate)}-{secrets.token_hex(2)}"
    offset = server.log_offset()
    driver = JsonLinesProcess(
        node_command("dispatch-driver.mjs", "--rate", f"{rate:g}", "--count", str(count),
                     "--agent-name", env["OPENRTC_BENCH_AGENT_NAME"], "--room-prefix", prefix),
        env, out / f"{tag}-{'warmup' if warmup else 'rate'}{rate:g}-driver.log", stdin=True)
    try:
        fired = driver.wait_for("fired", 60 + 2 * count / rate)
        dispatches = [e for e in driver.all_events if e["event"] == "dispatch"]
        rooms = {d["room"] for d in dispatches if "error" not in d}
        deadline = time.monotonic() + args.drain_timeout_s
        while True:
            sessions = [s for s in read_sessions(events_path) if s.get("room", "").startswith(prefix + "-")]
            if len({s["room"] for s in sessions}) >= len(rooms) or time.monotonic() >= deadline:
                break
            time.sleep(0.25)
        driver.send("cleanup")
        driver.wait_for("done", 120)
    finally:
        driver.finish(30)
        driver.kill()

    by_room = {s["room"]: s for s in sessions}
    request_to_running, dispatch_to_running, acks = [], [], []
    for d in dispatches:
        if "error" not in d:
            acks.append(d["ackMs"] - d["sentMs"])
        s = by_room.get(d["room"])
        if s is None:
            continue
        dispatch_to_running.append(s["runningMs"] - d["sentMs"])
        if s.get("requestedMs"):
            request_to_running.append(s["runningMs"] - s["requestedMs"])
    first_sent = min((d["sentMs"] for d in dispatches), default=None)
    last_running = max((s["runningMs"] for s in sessions), default=None)
    span_s = (last_running - first_sent) / 1000 if first_sent and last_running else None
    return {
        "rate": rate,
        "warmup": warmup,
        "fired": len(dispatches),
        "apiErrors": sum(1 for d in dispatches if "error" in d),
        "running": len(by_room),
        "missing": len(rooms) - len(by_room),
        "firingSpanMs": fired["spanMs"],
        "driverLateMsMax": fired["lateMsMax"],
        "requestToRunningMs": spread(request_to_running),
        "dispatchToRunningMs": spread(dispatch_to_running),
        "apiAckMs": spread(acks),
        "runningPerSecond": round(len(by_room) / span_s, 1) if span_s else None,
        "serverDispatchTrouble": server.dispatch_trouble(env["OPENRTC_BENCH_AGENT_NAME"], offset),
        "dispatches": dispatches,
        "sessions": sessions,
    }


def run_runtime(server: LiveKitServer, runtime: Runtime, args: argparse.Namespace, out: Path) -> dict:
    tag = runtime.name
    agent_name = f"bench-dispatch-{tag}-{secrets.token_hex(3)}"
    events_path = out / f"{tag}-sessions.jsonl"
    events_path.unlink(missing_ok=True)
    env = runtime.worker_env(server.client_env(), agent_name, "dispatch", events_path, max(200, 2 * args.count))
    result: dict = {"runtime": runtime.name, "agentName": agent_name, "rates": []}
    offset = server.log_offset()
    worker = WorkerProcess(runtime.command(), env, out / f"{tag}-worker.log")
    try:
        server.wait_for_worker(agent_name, offset, args.register_timeout_s, worker.alive)
        time.sleep(args.idle_settle_s)
        if args.warmup:
            log(f"[{tag}] warm-up: {args.warmup} dispatches at 1/s (reported apart)")
            result["rates"].append(run_rate(server, env, tag, 1.0, args.warmup, args, events_path, out, warmup=True))
            time.sleep(args.pause_s)
        for rate in args.rates:
            log(f"[{tag}] firing {args.count} dispatches at {rate:g}/s")
            outcome = run_rate(server, env, tag, rate, args.count, args, events_path, out)
            log(f"[{tag}] {rate:g}/s: {outcome['running']}/{outcome['fired']} running, "
                f"request->running p50 {outcome['requestToRunningMs']['p50']} ms p99 {outcome['requestToRunningMs']['p99']} ms; "
                f"server: {outcome['serverDispatchTrouble'] or 'no trouble'}")
            result["rates"].append(outcome)
            time.sleep(args.pause_s)
    except BenchmarkError as e:
        log(f"[{tag}] FAILED: {e}")
        result["error"] = str(e)
    finally:
        worker.stop()
    return result


def tables(results: list[dict]) -> str:
    rows = []
    for r in results:
        if r.get("error") and not r["rates"]:
            rows.append([r["runtime"], "", "FAILED: " + r["error"][:60]] + [""] * 8)
        for o in r["rates"]:
            q, d, a = o["requestToRunningMs"], o["dispatchToRunningMs"], o["apiAckMs"]
            rows.append([r["runtime"], ("warm-up " if o.get("warmup") else "") + f"{o['rate']:g}", f"{o['running']}/{o['fired']}", str(q["p50"]), str(q["p99"]),
                         str(q["max"]), str(d["p50"]), str(d["p99"]), str(a["p50"]), str(a["p99"]),
                         str(o["runningPerSecond"]), str(declined(o))])
    return table(["runtime", "rate/s", "running", "req->run p50 ms", "req->run p99 ms", "req->run max ms",
                  "dispatch->run p50 ms", "dispatch->run p99 ms", "API ack p50 ms", "API ack p99 ms", "running/s", "declined"], rows)


def declined(outcome: dict) -> int:
    """Availability requests the worker answered with available=false, as the server logged them."""
    return sum(n for k, n in outcome["serverDispatchTrouble"].items() if "worker not available" in k)



def main(argv: list[str]) -> int:
    args = parse_args(argv)
    runtimes = prepare_runtimes(args.runtime, "run-dispatch-latency.sh")
    out = result_dir(args.out, "dispatch")
    unwind_on_sigterm()
    report: dict = {**report_header("dispatch-latency", "run-dispatch-latency.sh", argv, args),
                    "runtimes": runtime_facts(runtimes), "results": []}
    server = LiveKitServer.start(f"bench-dispatch-{os.getpid()}")
    try:
        report["livekitServer"] = server.version()
        for runtime in runtimes:
            report["results"].append(run_runtime(server, runtime, args, out))
            (out / "result.json").write_text(json.dumps(report, indent=1))
    except KeyboardInterrupt:
        log("interrupted: stopping everything")
        return 130
    finally:
        server.stop()
        (out / "result.json").write_text(json.dumps(report, indent=1))
    text = tables(report["results"])
    (out / "summary.md").write_text(text + "\n")
    print(text)
    print(f"\nraw JSON: {out / 'result.json'}")
    return 1 if any(r.get("error") for r in report["results"]) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
