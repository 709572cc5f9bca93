"""The moving parts every benchmark needs: the livekit-server, agent workers, the Node
drivers, and facts about the machine. Standard library only."""

from __future__ import annotations

import argparse
import json
import os
import platform
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BENCH = REPO / "benchmarks"
CALLERS = BENCH / "callers"
CALLERS_GO = BENCH / "callers-go"
CACHE = Path.home() / ".cache" / "openrtc"
SERVER_SCRIPT = REPO / "scripts" / "livekit-server.sh"


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class BenchmarkError(RuntimeError):
    """A benchmark cannot go on; the message says what to do."""


# ---------------------------------------------------------------------------------------------
# livekit-server


@dataclass
class LiveKitServer:
    """One server started through scripts/livekit-server.sh; stop() stops exactly it."""

    name: str
    url: str
    api_key: str
    api_secret: str
    pid: int
    log_path: Path

    @classmethod
    def start(cls, name: str) -> LiveKitServer:
        log(f"starting livekit-server instance '{name}'")
        done = subprocess.run(
            [str(SERVER_SCRIPT), "start", "--name", name, "--port", "auto"],
            capture_output=True, text=True, timeout=180,
        )
        if done.returncode != 0:
            raise BenchmarkError(f"livekit-server did not start: {done.stderr.strip()[-2000:]}")
        env = dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)
        server = cls(name, env["LIVEKIT_URL"], env["LIVEKIT_API_KEY"], env["LIVEKIT_API_SECRET"],
                     int(env["LIVEKIT_SERVER_PID"]), Path(env["LIVEKIT_SERVER_LOG"]))
        log(f"livekit-server '{name}' runs at {server.url} (pid {server.pid})")
        return server

    def stop(self) -> None:
        subprocess.run([str(SERVER_SCRIPT), "stop", "--name", self.name], capture_output=True, text=True, timeout=60)
        log(f"stopped livekit-server '{self.name}'")

    def client_env(self) -> dict[str, str]:
        """What a worker or a driver needs to reach the server (the secret only goes here)."""
        return {"LIVEKIT_URL": self.url, "LIVEKIT_API_KEY": self.api_key, "LIVEKIT_API_SECRET": self.api_secret}

    def log_offset(self) -> int:
        return self.log_path.stat().st_size

    def wait_for_worker(self, agent_name: str, since_offset: int, timeout_s: float, alive) -> None:
        """Waits until the server logs that a worker registered under agent_name."""
        needle = f'"agentName": "{agent_name}"'
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                f.seek(since_offset)
                for line in f:
                    if "worker registered" in line and needle in line:
                        return
            if not alive():
                raise BenchmarkError(f"the worker for agent '{agent_name}' exited before registering")
            time.sleep(0.25)
        raise BenchmarkError(f"no worker registered as '{agent_name}' within {timeout_s:g} s")

    def dispatch_trouble(self, agent_name: str, since_offset: int) -> dict[str, int]:
        """What the server logged about jobs for agent_name it could not place: declines
        ("worker not available" = the worker answered available=false), jobs left without a
        worker, and the like, counted by message and error."""
        needle = f'"agentName": "{agent_name}"'
        counts: dict[str, int] = {}
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            f.seek(since_offset)
            for line in f:
                if needle not in line or not ("\tWARN\t" in line or "failed" in line or "not dispatching" in line):
                    continue
                if '"jobType": "JT_PUBLISHER"' in line or '"jobType": "JT_PARTICIPANT"' in line:
                    continue  # the server looking for workers of other job types: not ours
                message = line.split("\t")[4] if line.count("\t") >= 4 else line
                message = message.split("\t")[0].strip()
                error = re.search(r'"error": "([^"]+)"', line)
                key = message + (f" ({error.group(1)})" if error else "")
                counts[key] = counts.get(key, 0) + 1
        return counts

    def version(self) -> str | None:
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            for line in f:
                found = re.search(r'"version": "([^"]+)"', line)
                if "starting LiveKit server" in line and found:
                    return found.group(1)
        return None


# ---------------------------------------------------------------------------------------------
# agent workers


class WorkerProcess:
    """An agent worker in its own session (process group), so it can be stopped with all of
    its children. stop() is bounded: SIGTERM, then SIGKILL to the group and any straggler."""

    def __init__(self, command: list[str], env: dict[str, str], log_path: Path) -> None:
        self.command = command
        self.log_path = log_path
        self._log = open(log_path, "wb")
        self.process = subprocess.Popen(command, env=env, cwd=REPO, stdin=subprocess.DEVNULL,
                                        stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        self.pid = self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, grace_s: float = 20.0) -> None:
        from proctree import descendants  # local: proctree is a sibling module

        tree = descendants(self.pid) if self.alive() else []
        if self.alive():
            _signal_group(self.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=grace_s)
            except subprocess.TimeoutExpired:
                log(f"worker pid {self.pid} ignored SIGTERM for {grace_s:g} s; killing its process group")
        _signal_group(self.pid, signal.SIGKILL)
        for pid in tree:  # children that left the group
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            log(f"worker pid {self.pid} still there after SIGKILL")
        self._log.close()


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


# ---------------------------------------------------------------------------------------------
# Node drivers


def ensure_node_drivers() -> None:
    """Installs the drivers' npm dependencies (locked) the first time."""
    if (CALLERS / "node_modules" / "@livekit" / "rtc-node").is_dir() and (CALLERS / "node_modules" / "livekit-server-sdk").is_dir():
        return
    if shutil.which("npm") is None:
        raise BenchmarkError("npm is needed for the callers (Node 18+): install Node.js")
    log("installing the callers' npm dependencies (npm ci)")
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=CALLERS, check=True,
                   stdout=subprocess.DEVNULL)


class JsonLinesProcess:
    """A driver whose stdout is JSON lines with an "event" field; other lines (the SDK's own
    logs) go to the log file. Events are queued as they arrive."""

    def __init__(self, command: list[str], env: dict[str, str], log_path: Path, stdin: bool = False,
                 on_event=None) -> None:
        """on_event, if given, is called with each event on the reading thread as it arrives
        (for what must not wait for the orchestrator's loop)."""
        self._log = open(log_path, "w", encoding="utf-8")
        self._on_event = on_event
        self.process = subprocess.Popen(command, env=env, cwd=CALLERS, text=True,
                                        stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                                        stdout=subprocess.PIPE, stderr=self._log, start_new_session=True)
        self.pid = self.process.pid
        self.events: queue.Queue[dict] = queue.Queue()
        self.all_events: list[dict] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._log.write(line)
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if isinstance(event, dict) and "event" in event:
                if self._on_event is not None:
                    try:
                        self._on_event(event)
                    except Exception as e:  # a hook must not stop the reading
                        log(f"event hook failed on {event.get('event')}: {e}")
                self.all_events.append(event)
                self.events.put(event)
        self.events.put({"event": "_eof"})

    def wait_for(self, name: str, timeout_s: float) -> dict:
        """The next event called name; raises if the driver ends or the time runs out."""
        deadline = time.monotonic() + timeout_s
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise BenchmarkError(f"driver sent no '{name}' within {timeout_s:g} s")
            try:
                event = self.events.get(timeout=remaining)
            except queue.Empty:
                continue
            if event["event"] == name:
                return event
            if event["event"] == "_eof":
                raise BenchmarkError(f"driver exited (code {self.process.wait()}) before '{name}'")
            if event["event"] == "error" and "id" not in event:
                raise BenchmarkError(f"driver failed: {event.get('message')}")

    def send(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def finish(self, timeout_s: float = 60.0) -> int:
        try:
            code = self.process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            _signal_group(self.pid, signal.SIGKILL)
            code = self.process.wait(timeout=10)
        self._reader.join(timeout=5)
        self._log.close()
        return code

    def kill(self) -> None:
        if self.process.poll() is None:
            _signal_group(self.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def node_command(script: str, *args: str) -> list[str]:
    return ["node", str(CALLERS / script), *args]


# The media callers come in two drivers with one contract (flags, JSON lines, figures):
# node = callers/media-callers.mjs (@livekit/rtc-node, libwebrtc), go = callers-go (LiveKit's
# server-sdk-go on pion, libopus through media-sdk).
MEDIA_CALLERS = ("node", "go")


def go_callers_source_hash() -> str:
    import hashlib
    digest = hashlib.sha256()
    for path in sorted(CALLERS_GO.glob("*.go")) + [CALLERS_GO / "go.mod", CALLERS_GO / "go.sum"]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def go_callers_binary() -> Path:
    """Builds callers-go into ~/.cache/openrtc/media-callers-go-<hash of its sources> the first
    time (go build, modules from the Go module proxy at the versions go.sum pins; cgo with
    libopus and libsoxr, which media-sdk links). Returns the binary."""
    binary = CACHE / f"media-callers-go-{go_callers_source_hash()}"
    if binary.is_file():
        return binary
    if shutil.which("go") is None:
        raise BenchmarkError("--callers go needs the Go toolchain (1.26+, https://go.dev/dl/) to build benchmarks/callers-go")
    missing = [lib for lib in ("opus", "soxr")
               if subprocess.run(["pkg-config", "--exists", lib], capture_output=True).returncode != 0]
    if missing:
        raise BenchmarkError(f"--callers go links libopus and libsoxr through cgo; missing: {', '.join(missing)} "
                             "(Debian/Ubuntu: apt-get install pkg-config libopus-dev libsoxr-dev)")
    CACHE.mkdir(parents=True, exist_ok=True)
    log(f"building the Go callers into {binary} (go build; the first time downloads modules and takes minutes)")
    # nolibopusfile: hraban/opus would otherwise also need libopusfile, which nothing here uses.
    done = subprocess.run(["go", "build", "-trimpath", "-tags", "nolibopusfile", "-o", str(binary) + ".part", "."],
                          cwd=CALLERS_GO, capture_output=True, text=True)
    if done.returncode != 0:
        raise BenchmarkError(f"go build of benchmarks/callers-go failed: {done.stderr.strip()[-3000:]}")
    os.replace(str(binary) + ".part", binary)
    for stale in CACHE.glob("media-callers-go-*"):  # builds of older sources
        if stale != binary and not stale.name.endswith(".part"):
            stale.unlink(missing_ok=True)
    return binary


def prepare_media_callers(kinds: list[str]) -> dict[str, list[str]]:
    """The command that starts each media-callers driver (installed or built first)."""
    commands = {}
    for kind in kinds:
        if kind == "node":
            ensure_node_drivers()
            commands[kind] = node_command("media-callers.mjs")
        elif kind == "go":
            commands[kind] = [str(go_callers_binary())]
        else:
            raise BenchmarkError(f"unknown callers '{kind}' (expected one of {', '.join(MEDIA_CALLERS)})")
    return commands


def go_callers_facts() -> dict:
    """The Go callers' toolchain and pinned SDK versions (from go.mod)."""
    mod = (CALLERS_GO / "go.mod").read_text()
    pins = dict(re.findall(r"^\s*(github\.com/(?:livekit/server-sdk-go/v2|livekit/media-sdk|pion/webrtc/v4))\s+(\S+)", mod, re.M))
    go = subprocess.run(["go", "version"], capture_output=True, text=True).stdout.strip() if shutil.which("go") else None
    return {"go": go, **pins, "sourceHash": go_callers_source_hash()}


# ---------------------------------------------------------------------------------------------
# the machine


def machine_cpu_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs, from /proc/stat."""
    with open("/proc/stat") as f:
        fields = [int(v) for v in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return sum(fields) - idle, sum(fields)


def machine_facts() -> dict:
    cpu_model = None
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kb = int(f.readline().split()[1])
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    return {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "kernel": f"{platform.system()} {platform.release()}",
        "cpuModel": cpu_model,
        "cpus": os.cpu_count(),
        "memoryGiB": round(mem_kb / 1024 / 1024, 1),
        "harnessPython": platform.python_version(),
        "node": node,
        "rtcNode": _package_version(CALLERS / "node_modules" / "@livekit" / "rtc-node"),
        "livekitServerSdk": _package_version(CALLERS / "node_modules" / "livekit-server-sdk"),
        "loadAverage": os.getloadavg(),
    }


def _package_version(directory: Path) -> str | None:
    try:
        return json.loads((directory / "package.json").read_text())["version"]
    except (OSError, ValueError, KeyError):
        return None


def find_jcmd() -> str | None:
    candidates = []
    if os.environ.get("JAVA_HOME"):
        candidates.append(Path(os.environ["JAVA_HOME"]) / "bin" / "jcmd")
    candidates += sorted(Path("/usr/lib/jvm").glob("*/bin/jcmd"), reverse=True)
    for candidate in candidates:
        if candidate.is_file():
            return str(candidate)
    return shutil.which("jcmd")


def java_thread_counts(pid: int) -> dict | None:
    """Platform and virtual Java threads of a JVM, from `jcmd <pid> Thread.dump_to_file -format=json`
    (JDK 21+). None when pid is not a JVM or jcmd is missing."""
    jcmd = find_jcmd()
    if jcmd is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "threads.json"
        done = subprocess.run([jcmd, str(pid), "Thread.dump_to_file", "-format=json", str(out)],
                              capture_output=True, text=True, timeout=60)
        if done.returncode != 0 or not out.is_file():
            return None
        dump = json.loads(out.read_text())["threadDump"]
    seen: dict[str, bool] = {}
    for container in dump.get("threadContainers", []):
        for thread in container.get("threads", []):
            seen[thread["tid"]] = bool(thread.get("virtual"))
    virtual = sum(1 for v in seen.values() if v)
    return {"platform": len(seen) - virtual, "virtual": virtual}


def java_processes(pids: list[int]) -> list[int]:
    """The JVMs among pids (by the executable's name)."""
    found = []
    for pid in pids:
        try:
            if os.path.basename(os.readlink(f"/proc/{pid}/exe")) == "java":
                found.append(pid)
        except OSError:
            pass
    return found


def positive_list(convert):
    """An argparse type: a comma-separated list of positive numbers ("50,500,5_000"), each parsed by convert."""
    def parse(value: str):
        try:
            numbers = [convert(v.strip().replace("_", "")) for v in value.split(",") if v.strip()]
        except ValueError:
            numbers = []
        if not numbers or any(n <= 0 for n in numbers):
            raise argparse.ArgumentTypeError(f"expected a comma-separated list of positive numbers, not {value!r}")
        return numbers
    return parse


def _raise_keyboard_interrupt(_signum, _frame) -> None:
    raise KeyboardInterrupt


def unwind_on_sigterm() -> None:
    """SIGTERM unwinds like Ctrl-C, so every finally block stops what it started."""
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)


def result_dir(chosen: Path | None, benchmark: str) -> Path:
    """The --out directory, or benchmarks/results/<UTC time>-<benchmark>; created, and absolute:
    the drivers run in benchmarks/callers, so a relative --out (run-ci-smoke.sh's) would name
    another directory for them."""
    out = chosen or BENCH / "results" / (time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + benchmark)
    out.mkdir(parents=True, exist_ok=True)
    return out.resolve()


def report_header(benchmark: str, script: str, argv: list[str], args: argparse.Namespace) -> dict:
    """What every result.json starts with: the benchmark, its command, the machine and the settings."""
    return {
        "benchmark": benchmark,
        "command": f"benchmarks/{script} " + " ".join(argv),
        "machine": machine_facts(),
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
    }


def await_idle_worker(server, worker: "WorkerProcess", agent_name: str, offset: int, args: argparse.Namespace,
                      result: dict) -> None:
    """Waits until the worker registered with the server, lets it settle idle, then until its
    process tree's CPU is steady; records both times in ``result`` (the media and voice
    benchmarks take their baseline right after)."""
    from proctree import wait_until_steady  # proctree imports nothing of ours; kept local to stay optional

    started = time.monotonic()
    server.wait_for_worker(agent_name, offset, args.register_timeout_s, worker.alive)
    result["registeredAfterS"] = round(time.monotonic() - started, 1)
    time.sleep(args.idle_settle_s)
    result["steadyAfterS"] = wait_until_steady(worker.pid, max_s=args.steady_timeout_s)
