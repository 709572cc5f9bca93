"""The runtimes a benchmark can measure, and how to install and start each one's worker.

Every runtime's worker must honour the same contract (the JVM hooks below must too):
- connect to LIVEKIT_URL with LIVEKIT_API_KEY / LIVEKIT_API_SECRET from the environment and
  register for explicit dispatch under the agent name OPENRTC_BENCH_AGENT_NAME (the harness
  waits for the server's "worker registered" log line with that name);
- accept at least OPENRTC_BENCH_MAX_SESSIONS concurrent sessions, and not stop accepting
  below that because the machine is busy (the shared machine's CPU is not the worker's load);
- per session (OPENRTC_BENCH_MODE=media): join the room, subscribe to the caller's audio and
  decode every frame of it, publish a sine tone of OPENRTC_BENCH_TONE_HZ (660) Hz as 10 ms,
  48 kHz mono frames in real time, until the room closes;
- per session (OPENRTC_BENCH_MODE=dispatch): join the room, then leave at once;
- in both modes, once per session, as soon as the agent's code runs with the room
  connected, append one JSON line to the file OPENRTC_BENCH_EVENTS (single write, O_APPEND):
    {"event":"session","runtime":"<name>","mode":"media|dispatch","room":"<room name>",
     "jobId":"<AJ_...>","pid":<pid>,"requestedMs":<epoch ms the worker received LiveKit's
     AvailabilityRequest>,"assignedMs":<epoch ms the JobAssignment arrived>,
     "runningMs":<epoch ms now>}
- stop on SIGTERM (the harness kills the process group after 20 s anyway). Every process of
  the runtime must be a descendant of the started process: that tree is what is measured.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from infra import BENCH, BenchmarkError, log

PEERS = BENCH / "peers"
CACHE = Path(os.environ.get("OPENRTC_BENCH_CACHE", Path.home() / ".cache" / "openrtc" / "bench-venvs"))


@dataclass(frozen=True)
class Runtime:
    name: str
    summary: str
    is_jvm: bool = False

    def prepare(self) -> None:
        """Installs what the worker needs (idempotent)."""

    def command(self) -> list[str]:
        raise NotImplementedError

    def versions(self) -> dict:
        return {}


@dataclass(frozen=True)
class PythonPeer(Runtime):
    """A Python runtime from PyPI, installed into a throwaway virtual environment under
    OPENRTC_BENCH_CACHE (default ~/.cache/openrtc/bench-venvs), never into the repository."""

    requirements: str = ""
    worker_script: str = ""

    @property
    def venv(self) -> Path:
        pins = (PEERS / self.requirements).read_bytes()
        return CACHE / f"{self.name}-{hashlib.sha256(pins).hexdigest()[:10]}"

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    def prepare(self) -> None:
        marker = self.venv / ".installed"
        if marker.is_file():
            return
        interpreter = _python_for_peers()
        log(f"installing {self.name} into {self.venv} (pip, {self.requirements}); this takes a few minutes once")
        shutil.rmtree(self.venv, ignore_errors=True)
        self.venv.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([interpreter, "-m", "venv", str(self.venv)], check=True)
        subprocess.run([str(self.python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                        "-r", str(PEERS / self.requirements)], check=True)
        marker.write_text("ok\n")

    def command(self) -> list[str]:
        return [str(self.python), str(PEERS / self.worker_script)]

    def versions(self) -> dict:
        done = subprocess.run([str(self.python), "-m", "pip", "list", "--format=freeze", "--disable-pip-version-check"],
                              capture_output=True, text=True)
        wanted = ("livekit", "openrtc", "onnxruntime", "uvloop")
        packages = dict(line.split("==", 1) for line in done.stdout.splitlines() if "==" in line)
        found = {k: v for k, v in packages.items() if k.startswith(wanted)}
        found["python"] = subprocess.run([str(self.python), "-c", "import platform; print(platform.python_version())"],
                                         capture_output=True, text=True).stdout.strip()
        return found


def _python_for_peers() -> str:
    """A Python 3.11-3.13 (what livekit-agents and openrtc support) to build the venvs with."""
    if (3, 11) <= sys.version_info[:2] <= (3, 13):
        return sys.executable
    for name in ("python3.13", "python3.12", "python3.11"):
        found = shutil.which(name)
        if found:
            return found
    raise BenchmarkError("the Python peers need Python 3.11, 3.12 or 3.13 to build their venvs; none found")


@dataclass(frozen=True)
class JvmRuntime(Runtime):
    """OpenRTC-JVM. TODO(lead, once the worker, pool and rtc branches have landed): replace
    the environment-variable hook below by a built-in command, e.g. build the benchmark agent
    app once in prepare() (`./mvnw -B -q package -pl <bench app module> -am -DskipTests`, never
    `install`) and return [java, <jvm flags>, -jar, <app jar>] from command().

    What the command must start (see the module docstring for the full contract):
    - a Spring Boot app (or plain main) with ONE agent, a tone agent: in run(session) it
      subscribes to the caller's audio (frames decoded through the receiving factory's
      playout, counted and dropped), publishes OPENRTC_BENCH_TONE_HZ Hz through a
      CustomAudioSource on the sending factory in 10 ms frames, and blocks until the room
      closes; with OPENRTC_BENCH_MODE=dispatch it returns right after recording;
    - settings: openrtc.agent-name=${OPENRTC_BENCH_AGENT_NAME},
      openrtc.isolation=coroutine|process (this runtime's isolation),
      openrtc.max-concurrent-sessions=${OPENRTC_BENCH_MAX_SESSIONS}, LIVEKIT_* from the env
      (the worker on main already reports a session-count load that reaches target_load only
      at capacity, as required);
    - the session line in OPENRTC_BENCH_EVENTS, written by an OpenRtcListener bean of the
      benchmark app on OpenRtcEvent.SessionRunning (worker on main): requestedMs = at() minus
      sinceOffer(), assignedMs = session().startedAt() (the worker fills it with the
      assignment instant), runningMs = at(), room = session().job().roomName(),
      jobId = session().job().jobId(). This holds if the pool reports a session running once
      its room is joined and the agent's code starts, as SessionRunning's javadoc says.
    - process isolation: child JVMs must be descendants of the started JVM (they are, when
      the pool starts them with ProcessBuilder), so the sampled tree includes them.
    Until then, OPENRTC_BENCH_JVM_COMMAND may hold the command (shell words; "{isolation}" is
    replaced by coroutine or process); exec the JVM rather than wrapping it in a shell, so
    the measured tree holds no extra process.
    """

    isolation: str = "coroutine"

    def command(self) -> list[str]:
        template = os.environ.get("OPENRTC_BENCH_JVM_COMMAND")
        if not template:
            raise BenchmarkError(
                f"runtime {self.name} is not wired yet: OpenRTC-JVM is not runnable end to end. "
                "Set OPENRTC_BENCH_JVM_COMMAND to a command that starts the benchmark tone agent "
                "(see JvmRuntime in benchmarks/harness/runtimes.py for exactly what it must do)."
            )
        return [word.replace("{isolation}", self.isolation) for word in shlex.split(template)]

    def versions(self) -> dict:
        return {"OPENRTC_BENCH_JVM_COMMAND": os.environ.get("OPENRTC_BENCH_JVM_COMMAND")}


RUNTIMES: dict[str, Runtime] = {
    r.name: r
    for r in (
        PythonPeer("python-agents", "LiveKit Agents for Python 1.8.9, one process per job (its default)",
                   requirements="requirements-python-agents.txt", worker_script="python_agents_worker.py"),
        PythonPeer("openrtc-python", "OpenRTC-Python 0.20.1, coroutine mode (its default)",
                   requirements="requirements-openrtc-python.txt", worker_script="openrtc_python_worker.py"),
        JvmRuntime("openrtc-jvm-coroutine", "OpenRTC-JVM, coroutine isolation (virtual threads)", is_jvm=True,
                   isolation="coroutine"),
        JvmRuntime("openrtc-jvm-process", "OpenRTC-JVM, process isolation (a child JVM per session)", is_jvm=True,
                   isolation="process"),
    )
}

REFERENCE_RUNTIME = "openrtc-jvm-coroutine"


def parse_runtimes(value: str) -> list[Runtime]:
    names = [v.strip() for v in value.split(",") if v.strip()]
    unknown = [n for n in names if n not in RUNTIMES]
    if unknown or not names:
        raise BenchmarkError(f"--runtime: unknown {unknown or value!r}; choose from {', '.join(RUNTIMES)}")
    return [RUNTIMES[n] for n in names]
