#!/usr/bin/env bash
# VAD per session: CPU (% of one core, us per 32 ms window) and memory of N sessions running
# Silero voice activity detection on real speech in real time in one process, OpenRTC-JVM (with
# and without noise suppression) against LiveKit Agents' Silero plugin, same model file, same run.
#
#   benchmarks/run-vad.sh                                   # N = 1,10,50, 3 runs each (about 30 min)
#   benchmarks/run-vad.sh --runtime openrtc-jvm,python-silero --sessions 10 --repeats 1
#
# Builds benchmarks/openrtc-bench with ./mvnw (package, never install) unless
# OPENRTC_BENCH_SKIP_BUILD=1 and the jar exists; installs livekit-agents and
# livekit-plugins-silero 1.8.9 from PyPI into a venv under ~/.cache/openrtc/bench-venvs on first
# use. Needs Linux (/proc), Python 3.11-3.13, a JDK 21+. No LiveKit server, no network beyond PyPI.
# --help lists every option. Prints the table; raw JSON and logs go to benchmarks/results/<UTC time>-vad/.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
python="${OPENRTC_BENCH_HARNESS_PYTHON:-python3}"
exec "$python" "$here/harness/vad_density.py" "$@"
