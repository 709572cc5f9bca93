#!/usr/bin/env bash
# CI smoke run of every benchmark at a tiny size, so the benchmarks keep working. It asserts
# nothing about time or memory: it fails only when a benchmark cannot run at all (a harness
# error, a worker that never registers, a runtime whose sessions never run). Figures from
# here mean nothing (tiny N, short windows, whatever else the CI machine is doing).
#
#   benchmarks/run-ci-smoke.sh            # run by .ci/run after ./mvnw -B verify
#
# Runtimes: openrtc-jvm-coroutine and openrtc-jvm-process, plus the python-agents peer
# (LiveKit Agents from PyPI, a venv under ~/.cache/openrtc/bench-venvs, about 2 minutes to
# install the first time) when a Python 3.11-3.13 is there; OPENRTC_BENCH_SMOKE_PEERS=none
# leaves the peers out, OPENRTC_BENCH_SMOKE_PEERS=python-agents,openrtc-python adds both. The
# VAD benchmark (run-vad.sh, N = 1 and 2, 2 s windows, about 40 s) runs openrtc-jvm and
# openrtc-jvm-ns, and python-silero unless the peers are left out.
# The voice benchmark (run-voice.sh, N = 1, an 8 s window, a 30 s turn timeout for a busy
# machine, about a minute per runtime) runs
# openrtc-jvm, and python-agents (LiveKit Agents with its OpenAI and Silero plugins, its own venv,
# about a minute to install the first time) unless the peers are left out; it starts the speech
# server (installed by scripts/speech-server.sh install the first time) and the scripted LLM.
# The media density step runs with both callers drivers (--callers go,node) when the Go one can be
# built (Go 1.26+, pkg-config, libopus-dev, libsoxr-dev), else with the Node one.
# OPENRTC_BENCH_SKIP_BUILD=1 reuses benchmarks/openrtc-bench/target (CI just built it).
# Results and logs: benchmarks/results/ci-smoke-<UTC time>/ (or $OPENRTC_BENCH_SMOKE_OUT).
set -uo pipefail
cd "$(dirname "$0")/.."
python="${OPENRTC_BENCH_HARNESS_PYTHON:-python3}"
out="${OPENRTC_BENCH_SMOKE_OUT:-benchmarks/results/ci-smoke-$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$out"

peers="${OPENRTC_BENCH_SMOKE_PEERS:-auto}"
if [[ "$peers" == auto ]]; then
  peers=none
  for candidate in "$python" python3.13 python3.12 python3.11; do
    if command -v "$candidate" >/dev/null \
        && "$candidate" -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 13))' 2>/dev/null; then
      peers=python-agents
      break
    fi
  done
  [[ "$peers" == none ]] && echo "run-ci-smoke: no Python 3.11-3.13 here: the Python peers are left out" >&2
fi
runtimes="openrtc-jvm-coroutine,openrtc-jvm-process"
[[ "$peers" != none ]] && runtimes="$runtimes,$peers"
# The VAD benchmark has its own runtimes: both JVM rows, and LiveKit's Silero plugin (its own
# venv, livekit-agents + livekit-plugins-silero, about 35 s to install the first time) whenever a
# Python peer runs.
vad_runtimes="openrtc-jvm,openrtc-jvm-ns"
[[ "$peers" != none ]] && vad_runtimes="$vad_runtimes,python-silero"
# The voice benchmark: OpenRTC-JVM's VoiceAgent, and LiveKit Agents' AgentSession with the peers.
voice_runtimes="openrtc-jvm"
[[ "$peers" != none ]] && voice_runtimes="$voice_runtimes,python-agents"

# The media callers: both drivers when the Go one can be built here (Go, pkg-config, libopus
# and libsoxr), else the Node one alone.
media_callers=node
if command -v go >/dev/null && pkg-config --exists opus soxr 2>/dev/null; then
  media_callers=go,node
else
  echo "run-ci-smoke: no Go toolchain or no libopus/libsoxr (pkg-config): media density with the Node callers only" >&2
fi

failed=()
step() { # name, command...
  local name="$1"; shift
  echo "== run-ci-smoke: $name: $*" >&2
  if ! "$@"; then
    failed+=("$name")
  fi
}

step stub-density benchmarks/run-stub-density.sh --sessions 20 --overhead-runs 1 --hold-ms 200 \
  --process-sessions 2 --jvm-args=-Xmx1g --out "$out/stub"
step media-density benchmarks/run-media-density.sh --runtime "$runtimes" --sessions 1 --callers "$media_callers" \
  --idle-settle-s 1 --baseline-s 1 --settle-s 1 --measure-s 3 --out "$out/media"
step dispatch-latency benchmarks/run-dispatch-latency.sh --runtime "$runtimes" --rates 5 --count 3 \
  --warmup 1 --idle-settle-s 1 --pause-s 1 --out "$out/dispatch"
step vad benchmarks/run-vad.sh --runtime "$vad_runtimes" --sessions 1,2 --repeats 1 \
  --idle-settle-s 0.5 --baseline-s 1 --warmup-s 1 --measure-s 2 --out "$out/vad"
step voice benchmarks/run-voice.sh --runtime "$voice_runtimes" --sessions 1 --period-s 6 --warmup-turns 1 \
  --idle-settle-s 1 --baseline-s 1 --settle-s 1 --measure-s 8 --turn-timeout-s 30 --transcribe-max 2 --out "$out/voice"
step sessions-ran "$python" benchmarks/harness/smoke_check.py "$out"

if ((${#failed[@]})); then
  echo "run-ci-smoke: FAILED: ${failed[*]} (logs in $out)" >&2
  exit 1
fi
echo "run-ci-smoke: every benchmark ran (figures in $out are not measurements)" >&2
