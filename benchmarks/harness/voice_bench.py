"""Voice benchmark (issue 15): N concurrent voice sessions per runtime on a real livekit-server,
each with a caller (LiveKit's Node SDK) asking a recorded question every --period-s, against the
same local model servers; measured at the caller (response latency, intelligibility, silent
turns) and at the agent (CPU and PSS per session, the framework's share of the latency).

Run through benchmarks/run-voice.sh (see --help). Once per run the harness starts:
  - livekit-server (scripts/livekit-server.sh, in the test network namespace);
  - the speech server (scripts/speech-server.sh run: Whisper tiny.en STT, Piper TTS,
    OpenAI-compatible; it logs its own compute and model-lock wait per request);
  - the scripted LLM (io.openrtc.test.ScriptedChatServer from the benchmark jar): an
    OpenAI-compatible chat server answering --answer after exactly --think-ms, logging its
    processing time per request. It is the one stub (no chat model runs offline here);
  - the question, synthesised once by the speech server's TTS.
Then for each N and runtime:
  1. the runtime's voice worker under a fresh agent name (openrtc-jvm: io.openrtc.bench.VoiceWorker;
     python-agents: peers/python_agents_voice_worker.py); registration, idle settle, baseline;
  2. ONE Node process driving N callers (callers/voice-callers.mjs): join, dispatch, hear the
     agent's track, --warmup-turns questions each, then the --measure-s window, in which the
     agent tree, the callers, the server and the model servers are sampled, and the model
     servers' log lines of the window are kept;
  3. the worker stopped; up to --transcribe-max of the answers the callers recorded are
     transcribed by the speech server and compared with --answer.
Both runtimes use the same settings: Silero VAD with LiveKit's defaults (550 ms minimum
silence), endpointing 0.5 s / 3 s, no preemptive generation, no greeting, no tools.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from dataclasses import asdict
from pathlib import Path

from infra import (REPO, BenchmarkError, JsonLinesProcess, LiveKitServer, WorkerProcess, log, machine_cpu_ticks,
                   node_command, positive_list, report_header, result_dir, unwind_on_sigterm, await_idle_worker)
from media_density import read_events, read_sessions, sample_trees
from proctree import summarize
from report import per_session
from runtimes import BENCH_JAR, JvmRuntime, PythonPeer, Runtime, _java_home, runtime_facts
import voice_report as vr

SPEECH_SCRIPT = REPO / "scripts" / "speech-server.sh"

VOICE_RUNTIMES: dict[str, Runtime] = {
    r.name: r
    for r in (
        JvmRuntime("openrtc-jvm", "OpenRTC-JVM VoiceAgent (virtual thread per session): Silero VAD, Spring AI OpenAI "
                   "clients", is_jvm=True, isolation="coroutine", main_class="io.openrtc.bench.VoiceWorker"),
        PythonPeer("python-agents", "LiveKit Agents for Python 1.8.9 AgentSession, livekit-plugins-openai and -silero "
                   "1.8.9, one process per job", requirements="requirements-python-voice.txt",
                   worker_script="python_agents_voice_worker.py", venv_prefix="python-agents-voice"),
    )
}


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="run-voice.sh", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runtime", default="openrtc-jvm,python-agents", help="comma-separated: openrtc-jvm, python-agents")
    p.add_argument("--sessions", type=positive_list(int), default=[1, 5, 10, 20], help="N values (default 1,5,10,20)")
    p.add_argument("--question", default="Please book a table for two at seven tonight.",
                   help="what every caller asks (synthesised once by the speech server)")
    p.add_argument("--answer", default="Your table for two at seven tonight is booked.",
                   help="what the scripted LLM answers, and what the heard answers are compared with")
    p.add_argument("--think-ms", type=int, default=200, help="the scripted LLM's fixed think time (default 200)")
    p.add_argument("--period-s", type=float, default=8.0, help="a caller asks every this many seconds (default 8)")
    p.add_argument("--warmup-turns", type=int, default=2, help="questions per caller before the window, not counted (default 2)")
    p.add_argument("--measure-s", type=float, default=40.0, help="the measuring window (default 40)")
    p.add_argument("--settle-s", type=float, default=2.0, help="wait after the warm-up turns (default 2)")
    p.add_argument("--turn-timeout-s", type=float, default=10.0,
                   help="a question with no answer within this long after it ended is a silent turn (default 10)")
    p.add_argument("--baseline-s", type=float, default=5.0, help="idle sampling window (default 5)")
    p.add_argument("--idle-settle-s", type=float, default=5.0, help="wait after registration before the baseline (default 5)")
    p.add_argument("--steady-timeout-s", type=float, default=60.0, help="longest wait for the idle tree to settle (default 60)")
    p.add_argument("--interval-s", type=float, default=1.0, help="sampling interval (default 1)")
    p.add_argument("--ready-timeout-s", type=float, default=120.0, help="how long callers may wait for their agent (default 120)")
    p.add_argument("--register-timeout-s", type=float, default=180.0, help="how long a worker may take to register (default 180)")
    p.add_argument("--transcribe-max", type=int, default=30, help="answers transcribed per run, spread over the turns (default 30)")
    p.add_argument("--give-up-below", type=float, default=0.5,
                   help="a runtime that answered fewer than this share of its turns is not run at larger N (default 0.5)")
    p.add_argument("--out", type=Path, default=None, help="result directory (default benchmarks/results/<UTC time>-voice)")
    return p.parse_args(argv)


def ensure_speech_server() -> None:
    """Installs the speech server's venv and models the first time (scripts/speech-server.sh install)."""
    if subprocess.run([str(SPEECH_SCRIPT), "path"], cwd=REPO, capture_output=True).returncode == 0:
        return
    log("installing the speech server (scripts/speech-server.sh install; a minute or two the first time)")
    done = subprocess.run([str(SPEECH_SCRIPT), "install"], cwd=REPO, capture_output=True, text=True)
    if done.returncode != 0:
        raise BenchmarkError(f"scripts/speech-server.sh install failed: {done.stderr.strip()[-2000:]}")


def parse_voice_runtimes(spec: str) -> list[Runtime]:
    names = [v.strip() for v in spec.split(",") if v.strip()]
    unknown = [n for n in names if n not in VOICE_RUNTIMES]
    if unknown or not names:
        raise BenchmarkError(f"--runtime: unknown {unknown or spec!r}; choose from {', '.join(VOICE_RUNTIMES)}")
    return [VOICE_RUNTIMES[n] for n in names]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LogTail:
    """A process's output lines as they come (kept with the time they arrived), also written to a log."""

    def __init__(self, stream, log_path: Path) -> None:
        self.lines: list[str] = []
        self._log = open(log_path, "w", encoding="utf-8")
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream) -> None:
        for line in stream:
            self.lines.append(line.rstrip("\n"))
            self._log.write(line)
            self._log.flush()

    def mark(self) -> int:
        return len(self.lines)

    def since(self, mark: int, until: int | None = None) -> list[str]:
        return self.lines[mark:until]


class ModelServers:
    """The speech server and the scripted LLM, one each for the whole run."""

    def __init__(self, out: Path, think_ms: int, answer: str) -> None:
        self.speech_port = free_port()
        java = str(Path(_java_home()) / "bin" / "java")
        log(f"starting the speech server on 127.0.0.1:{self.speech_port} (scripts/speech-server.sh run)")
        self.speech = subprocess.Popen([str(SPEECH_SCRIPT), "run", "--port", str(self.speech_port)], cwd=REPO,
                                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                       text=True, start_new_session=True)
        self.speech_log = LogTail(self.speech.stdout, out / "speech-server.log")
        log(f"starting the scripted LLM (think time {think_ms} ms)")
        self.llm = subprocess.Popen([java, "-Xmx256m", "-cp", str(BENCH_JAR), "io.openrtc.test.ScriptedChatServer",
                                     "--port", "0", "--think-ms", str(think_ms), "--reply", answer, "--log-requests"],
                                    cwd=REPO, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                    text=True, start_new_session=True)
        self.llm_log = LogTail(self.llm.stdout, out / "scripted-llm.log")
        self.speech_url = f"http://127.0.0.1:{self.speech_port}/v1"
        self.llm_url = self._await_llm_url()
        self._await_speech()
        log(f"model servers ready: speech {self.speech_url}, llm {self.llm_url}")

    def _await_llm_url(self) -> str:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            for line in self.llm_log.lines:
                if "listening on " in line:
                    return line.split("listening on ", 1)[1].strip()
            if self.llm.poll() is not None:
                raise BenchmarkError(f"the scripted LLM exited: {self.llm_log.lines[-5:]}")
            time.sleep(0.1)
        raise BenchmarkError("the scripted LLM did not start within 60 s")

    def _await_speech(self) -> None:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.speech.poll() is not None:
                raise BenchmarkError(f"the speech server exited (is it installed? scripts/speech-server.sh install): "
                                     f"{self.speech_log.lines[-5:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.speech_port}/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.3)
        raise BenchmarkError("the speech server did not answer /health within 180 s")

    def synthesize(self, text: str) -> bytes:
        body = json.dumps({"model": "tts-1", "voice": "alloy", "input": text, "response_format": "wav"}).encode()
        request = urllib.request.Request(f"{self.speech_url}/audio/speech", data=body,
                                         headers={"Content-Type": "application/json", "Authorization": "Bearer bench"})
        with urllib.request.urlopen(request, timeout=60) as r:
            return r.read()

    def transcribe(self, wav: bytes) -> str:
        boundary = uuid.uuid4().hex
        parts = []
        for name, value in (("model", "whisper-1"), ("language", "en"), ("response_format", "json")):
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\n'
                     f"Content-Type: audio/wav\r\n\r\n".encode() + wav + b"\r\n")
        parts.append(f"--{boundary}--\r\n".encode())
        request = urllib.request.Request(f"{self.speech_url}/audio/transcriptions", data=b"".join(parts),
                                         headers={"Content-Type": f"multipart/form-data; boundary={boundary}",
                                                  "Authorization": "Bearer bench"})
        with urllib.request.urlopen(request, timeout=120) as r:
            return json.loads(r.read())["text"]

    def requests_between(self, speech_mark: int, llm_mark: int, speech_end: int | None = None,
                         llm_end: int | None = None) -> list[dict]:
        found = [vr.parse_speech_line(l) for l in self.speech_log.since(speech_mark, speech_end)]
        found += [vr.parse_llm_line(l) for l in self.llm_log.since(llm_mark, llm_end)]
        return [r for r in found if r is not None]

    def stop(self) -> None:
        for process in (self.llm, self.speech):
            if process.poll() is None:
                try:
                    os.killpg(process.pid, 15)
                    process.wait(timeout=15)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    try:
                        os.killpg(process.pid, 9)
                    except ProcessLookupError:
                        pass
        log("stopped the model servers")


def pick_spread(items: list, count: int) -> list:
    """At most count items, spread evenly over the list."""
    if count <= 0:
        return []
    if len(items) <= count:
        return list(items)
    step = len(items) / count
    return [items[int(i * step)] for i in range(count)]


def run_one(server: LiveKitServer, models: ModelServers, runtime: Runtime, sessions: int, question_wav: Path,
            args: argparse.Namespace, out: Path) -> dict:
    tag = f"{runtime.name}-n{sessions}"
    agent_name = f"bench-{tag}-{secrets.token_hex(3)}"
    events_path = out / f"{tag}-events.jsonl"
    events_path.unlink(missing_ok=True)
    record_dir = out / f"{tag}-answers"
    env = runtime.worker_env(server.client_env(), agent_name, "media", events_path, max(50, 2 * sessions),
                             speech_url=models.speech_url, llm_url=models.llm_url)
    result: dict = {"runtime": runtime.name, "sessions": sessions, "agentName": agent_name}
    offset = server.log_offset()
    command = runtime.command()
    log(f"[{tag}] starting worker: {' '.join(command)}")
    worker = WorkerProcess(command, env, out / f"{tag}-worker.log")
    driver = None
    try:
        await_idle_worker(server, worker, agent_name, offset, args, result)
        deadline = time.monotonic() + args.baseline_s
        baseline = sample_trees({"agent": worker.pid}, args.interval_s, lambda: time.monotonic() >= deadline)
        log(f"[{tag}] registered after {result['registeredAfterS']} s; baseline taken; starting {sessions} callers")

        driver = JsonLinesProcess(
            node_command("voice-callers.mjs", "--sessions", str(sessions), "--agent-name", agent_name,
                         "--room-prefix", f"voice-{tag}-{secrets.token_hex(2)}", "--question", str(question_wav),
                         "--record-dir", str(record_dir), "--period-s", str(args.period_s),
                         "--warmup-turns", str(args.warmup_turns), "--settle-s", str(args.settle_s),
                         "--measure-s", str(args.measure_s), "--turn-timeout-s", str(args.turn_timeout_s),
                         "--ready-timeout-s", str(args.ready_timeout_s)),
            {**env, "LIVEKIT_URL": server.url}, out / f"{tag}-callers.log")
        hearing = driver.wait_for("all-hearing", 120 + args.ready_timeout_s + 3 * sessions)
        log(f"[{tag}] {hearing['count']}/{sessions} callers hear their agent; warm-up turns")
        warmup_limit = 60 + args.period_s + args.warmup_turns * (args.period_s + args.turn_timeout_s + 25)
        driver.wait_for("window-start", warmup_limit + args.settle_s)
        speech_mark, llm_mark = models.speech_log.mark(), models.llm_log.mark()
        cpu_start = machine_cpu_ticks()
        window_ended: list[dict] = []

        def window_over() -> bool:
            while not window_ended and not driver.events.empty():
                event = driver.events.get()
                if event["event"] == "window-end":
                    window_ended.append(event)
                elif event["event"] == "_eof":
                    raise BenchmarkError("the callers' driver exited inside the measuring window")
            return bool(window_ended)

        log(f"[{tag}] measuring for {args.measure_s:g} s")
        load = sample_trees({"agent": worker.pid, "server": server.pid, "callers": driver.pid,
                             "speech": models.speech.pid, "llm": models.llm.pid}, args.interval_s, window_over)
        cpu_end = machine_cpu_ticks()
        # Turns asked in the window finish after it; their model requests count.
        driver.wait_for("done", args.turn_timeout_s + 60 + 2 * sessions)
        driver.finish()
        time.sleep(0.5)
        requests = models.requests_between(speech_mark, llm_mark)
        all_events = driver.all_events
        turns = [{k: v for k, v in e.items() if k not in ("event", "tMs")} for e in all_events if e["event"] == "turn"]
        summary = next(e for e in all_events if e["event"] == "summary")
        agent_base, agent_load = summarize("baseline", baseline["agent"]), summarize("load", load["agent"])
        speech_load = summarize("load", load["speech"])
        result.update({
            "question": next((e for e in all_events if e["event"] == "question"), None),
            "agentBaseline": asdict(agent_base),
            "agentLoad": asdict(agent_load),
            "serverLoad": asdict(summarize("load", load["server"])),
            "callersLoad": asdict(summarize("load", load["callers"])),
            "speechServerLoad": asdict(speech_load),
            "llmLoad": asdict(summarize("load", load["llm"])),
            "machineCpuShare": round((cpu_end[0] - cpu_start[0]) / max(1, cpu_end[1] - cpu_start[1]), 3),
            "callers": {k: v for k, v in summary.items() if k not in ("event", "tMs")},
            "turnRows": turns,
            "modelRequests": requests,
            "sessionsRecorded": read_sessions(events_path),
            "serverDispatchTrouble": server.dispatch_trouble(agent_name, offset),
            "activeSessions": summary["callersHearing"],
            "driverErrors": [e for e in all_events if e["event"] == "error"][:20],
        })
        result["perSession"] = per_session(result["agentBaseline"], result["agentLoad"], max(1, summary["callersHearing"]))
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
        result["agentTurns"] = read_events(events_path, "turn") or None
        result["agentMetrics"] = read_events(events_path, "metrics") or None


def add_figures(result: dict, models: ModelServers, args: argparse.Namespace) -> None:
    """Transcribes some of the answers (after the worker stopped, so it loads no measured window)
    and computes the run's figures."""
    if result.get("error") or "turnRows" not in result:
        return
    answered = [t for t in result["turnRows"] if not t.get("warmup") and not t.get("silent") and t.get("wav")]
    transcripts: dict[str, str] = {}
    for turn in pick_spread(answered, args.transcribe_max):
        try:
            transcripts[turn["wav"]] = models.transcribe(Path(turn["wav"]).read_bytes())
        except OSError as e:
            log(f"could not transcribe {turn['wav']}: {e}")
    result["transcripts"] = transcripts
    turns = vr.turn_figures(result["turnRows"], args.answer, transcripts)
    model = vr.model_time(result["modelRequests"])
    result["figures"] = {
        "turns": turns,
        "models": model,
        "overhead": vr.overhead(turns, model),
        "perSession": result["perSession"],
        "machineCpuShare": result["machineCpuShare"],
        "speechServerCpuPercent": round(100 * result["speechServerLoad"]["cpu_core_share"], 1),
        "callersCpuPercent": round(100 * result["callersLoad"]["cpu_core_share"], 1),
        "agentCpuPercent": round(100 * result["agentLoad"]["cpu_core_share"], 1),
    }


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    try:
        runtimes = parse_voice_runtimes(args.runtime)
        for runtime in runtimes:
            runtime.prepare()
            runtime.command()
        VOICE_RUNTIMES["openrtc-jvm"].prepare()  # the scripted LLM runs from the benchmark jar
        from infra import ensure_node_drivers
        ensure_node_drivers()
        ensure_speech_server()
    except BenchmarkError as e:
        print(f"run-voice.sh: {e}", file=sys.stderr)
        return 2
    out = result_dir(args.out, "voice")
    unwind_on_sigterm()
    report: dict = {
        **report_header("voice", "run-voice.sh", argv, args),
        "runtimes": runtime_facts(runtimes),
        "vadMinSilenceMs": vr.VAD_MIN_SILENCE_MS,
        "runs": [],
    }
    models = None
    server = None
    try:
        models = ModelServers(out, args.think_ms, args.answer)
        question_wav = out / "question.wav"
        question_wav.write_bytes(models.synthesize(args.question))
        heard = models.transcribe(question_wav.read_bytes())
        report["questionHeardAs"] = heard
        log(f"question synthesised ({question_wav.stat().st_size} bytes); Whisper hears it as {heard!r}")
        server = LiveKitServer.start(f"bench-voice-{os.getpid()}")
        report["livekitServer"] = server.version()
        given_up: dict[str, str] = {}
        for sessions in args.sessions:
            for runtime in runtimes:
                if runtime.name in given_up:
                    log(f"[{runtime.name}-n{sessions}] not run: {given_up[runtime.name]}")
                    report["runs"].append({"runtime": runtime.name, "sessions": sessions, "skipped": True,
                                           "error": f"not run: {given_up[runtime.name]}"})
                    continue
                run = run_one(server, models, runtime, sessions, question_wav, args, out)
                add_figures(run, models, args)
                report["runs"].append(run)
                (out / "result.json").write_text(json.dumps(report, indent=1))
                t = (run.get("figures") or {}).get("turns") or {}
                if run.get("error") or t.get("answered", 0) < args.give_up_below * max(1, t.get("turns", 0)):
                    given_up[runtime.name] = (f"at N={sessions} {t.get('answered', 0)}/{t.get('turns', 0)} turns "
                                              f"answered (--give-up-below {args.give_up_below:g})")
                if run.get("figures"):
                    log(f"[{runtime.name}-n{sessions}] {json.dumps(run['figures']['turns'])}")
    except KeyboardInterrupt:
        log("interrupted: stopping everything")
        return 130
    except BenchmarkError as e:
        log(f"FAILED: {e}")
        report["error"] = str(e)
    finally:
        if server is not None:
            server.stop()
        if models is not None:
            models.stop()
        ratio_rows = vr.ratios(report["runs"])
        report["ratios"] = ratio_rows
        report["goals"] = vr.goals(report["runs"], ratio_rows)
        (out / "result.json").write_text(json.dumps(report, indent=1))

    tables = vr.voice_tables(report["runs"])
    (out / "summary.md").write_text(tables + "\n")
    print(tables)
    print(f"\nraw JSON: {out / 'result.json'}")
    failed = report.get("error") or any(r.get("error") and not r.get("skipped") for r in report["runs"])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
