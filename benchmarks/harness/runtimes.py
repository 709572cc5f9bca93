"""The runtimes a benchmark can measure, and how to install and start each one's worker.

Every runtime's worker must honour the same contract (OpenRTC-JVM's is benchmarks/openrtc-bench):
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

from infra import BENCH, REPO, BenchmarkError, ensure_node_drivers, log

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

    def environment(self) -> dict[str, str]:
        """Variables the worker needs besides the contract's (its children inherit them)."""
        return {}

    def worker_env(self, server_env: dict[str, str], agent_name: str, mode: str, events_path: Path,
                   max_sessions: int, **extra: str) -> dict[str, str]:
        """The worker's whole environment under the worker contract (module docstring): this
        environment without any LIVEKIT_* of the caller's, the server's, the runtime's own, and the
        OPENRTC_BENCH_* settings (extra keyword names become OPENRTC_BENCH_<NAME>)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("LIVEKIT_")}
        env.update(server_env)
        env.update(self.environment())
        env.update({"OPENRTC_BENCH_AGENT_NAME": agent_name, "OPENRTC_BENCH_MODE": mode,
                    "OPENRTC_BENCH_EVENTS": str(events_path), "OPENRTC_BENCH_MAX_SESSIONS": str(max_sessions),
                    "OPENRTC_BENCH_LOG_LEVEL": "INFO"})
        env.update({"OPENRTC_BENCH_" + k.upper(): v for k, v in extra.items()})
        return env

    def versions(self) -> dict:
        return {}


@dataclass(frozen=True)
class PythonPeer(Runtime):
    """A Python runtime from PyPI, installed into a throwaway virtual environment under
    OPENRTC_BENCH_CACHE (default ~/.cache/openrtc/bench-venvs), never into the repository."""

    requirements: str = ""
    worker_script: str = ""
    venv_prefix: str = ""  # the venv's name before the pins' hash (default: the runtime's name)

    @property
    def venv(self) -> Path:
        pins = (PEERS / self.requirements).read_bytes()
        return CACHE / f"{self.venv_prefix or self.name}-{hashlib.sha256(pins).hexdigest()[:10]}"

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


BENCH_MODULE = "benchmarks/openrtc-bench"
BENCH_JAR = REPO / BENCH_MODULE / "target" / "openrtc-bench.jar"
TONE_WORKER_MAIN = "io.openrtc.bench.ToneWorker"
# The worker JVM's flags (OPENRTC_BENCH_JVM_ARGS replaces them). A bounded heap, as any
# production deployment sets one; the rest are the JDK's defaults (G1 on this 2-core machine).
# Process-isolation children get the pool's own -Xmx (3/4 of openrtc.process.memory-limit,
# 512 MB by default) plus OPENRTC_BENCH_CHILD_JVM_ARGS.
DEFAULT_JVM_ARGS = "-Xmx1g --enable-native-access=ALL-UNNAMED"
_built: set[str] = set()


def _java_home() -> str:
    """The JDK ./mvnw builds with (.mvn/jdk.sh: JAVA_HOME if it is 21+, else the newest JDK 21+)."""
    done = subprocess.run(["bash", "-c", 'set +u; . .mvn/jdk.sh >/dev/null 2>&1 && echo "$JAVA_HOME"'],
                          cwd=REPO, capture_output=True, text=True)
    home = done.stdout.strip()
    if done.returncode != 0 or not home or not (Path(home) / "bin" / "java").is_file():
        raise BenchmarkError("no JDK 21+ found for OpenRTC-JVM (see .mvn/jdk.sh): install one or set JAVA_HOME")
    return home


@dataclass(frozen=True)
class JvmRuntime(Runtime):
    """OpenRTC-JVM: the tone worker of the benchmark module (benchmarks/openrtc-bench,
    io.openrtc.bench.ToneWorker: plain Java on AgentPool, one tone agent, the session
    timeline from an OpenRtcListener on SessionRunning).

    prepare() builds it with the reactor, `./mvnw -B -q package -pl benchmarks/openrtc-bench -am
    -DskipTests` (never `install`), once per harness run; OPENRTC_BENCH_SKIP_BUILD=1 skips that
    when the jar is already built (CI builds it in `./mvnw verify` just before). command() is
    `java <flags> -cp target/openrtc-bench.jar io.openrtc.bench.ToneWorker`, exec'd directly (no
    shell in the tree); the jar's manifest names its dependencies in target/lib. The isolation
    goes in the environment (OPENRTC_BENCH_ISOLATION), which process-isolation children
    inherit: the pool starts them with the same java, classpath and main class, so they are
    descendants of the worker JVM and in the measured tree.

    OPENRTC_BENCH_JVM_COMMAND, when set, replaces the whole command (shell words, "{isolation}"
    replaced by coroutine or process), for measuring another build.
    """

    isolation: str = "coroutine"
    main_class: str = TONE_WORKER_MAIN

    def prepare(self) -> None:
        if os.environ.get("OPENRTC_BENCH_JVM_COMMAND") or "jvm" in _built:
            return
        if os.environ.get("OPENRTC_BENCH_SKIP_BUILD") == "1" and BENCH_JAR.is_file():
            log(f"OPENRTC_BENCH_SKIP_BUILD=1: using {BENCH_JAR.relative_to(REPO)} as built")
        else:
            log(f"building {BENCH_MODULE} (./mvnw -B -q package -pl {BENCH_MODULE} -am -DskipTests)")
            done = subprocess.run(["./mvnw", "-B", "-q", "package", "-pl", BENCH_MODULE, "-am", "-DskipTests"],
                                  cwd=REPO, capture_output=True, text=True)
            if done.returncode != 0 or not BENCH_JAR.is_file():
                raise BenchmarkError(f"building {BENCH_MODULE} failed:\n{(done.stdout + done.stderr)[-3000:]}")
        _built.add("jvm")

    def command(self) -> list[str]:
        template = os.environ.get("OPENRTC_BENCH_JVM_COMMAND")
        if template:
            return [word.replace("{isolation}", self.isolation) for word in shlex.split(template)]
        if not BENCH_JAR.is_file():
            raise BenchmarkError(f"{BENCH_JAR} is missing: prepare() builds it")
        java = str(Path(_java_home()) / "bin" / "java")
        return [java, *self.jvm_args(), "-cp", str(BENCH_JAR), self.main_class]

    def environment(self) -> dict[str, str]:
        return {"OPENRTC_BENCH_ISOLATION": self.isolation}

    @staticmethod
    def jvm_args() -> list[str]:
        return shlex.split(os.environ.get("OPENRTC_BENCH_JVM_ARGS", DEFAULT_JVM_ARGS))

    def versions(self) -> dict:
        if os.environ.get("OPENRTC_BENCH_JVM_COMMAND"):
            return {"OPENRTC_BENCH_JVM_COMMAND": os.environ["OPENRTC_BENCH_JVM_COMMAND"]}
        java = str(Path(_java_home()) / "bin" / "java")
        version = subprocess.run([java, "-version"], capture_output=True, text=True).stderr.splitlines()
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO,
                               capture_output=True, text=True).stdout.strip()
        return {
            "java": version[1] if len(version) > 1 else (version[0] if version else None),
            "jvmArgs": self.jvm_args(),
            "childJvmArgs": ["--enable-native-access=ALL-UNNAMED",
                             *shlex.split(os.environ.get("OPENRTC_BENCH_CHILD_JVM_ARGS", "")),
                             "(+ the pool's -Xmx384m)"] if self.isolation == "process" else None,
            "idleProcesses": (os.environ.get("OPENRTC_BENCH_IDLE_PROCESSES") or "1 (the pool's default)")
            if self.isolation == "process" else None,
            "commit": (commit.stdout.strip() + ("+dirty" if dirty else "")) or None,
        }


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


def prepare_runtimes(spec: str, script: str) -> list[Runtime]:
    """Parses --runtime, installs or builds each runtime and the Node drivers. When one of them
    cannot be run, says why as {script} and exits with status 2, before anything starts."""
    try:
        return _prepare_runtimes(spec)
    except BenchmarkError as e:
        print(f"{script}: {e}", file=sys.stderr)
        raise SystemExit(2) from e


def _prepare_runtimes(spec: str) -> list[Runtime]:
    runtimes = parse_runtimes(spec)
    for runtime in runtimes:
        runtime.prepare()
        runtime.command()
    ensure_node_drivers()
    return runtimes


def runtime_facts(runtimes: list[Runtime]) -> dict:
    """What result.json records of each runtime: what it is and the versions it ran."""
    return {r.name: {"summary": r.summary, "versions": r.versions()} for r in runtimes}
