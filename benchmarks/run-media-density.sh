#!/usr/bin/env bash
# Real-media density benchmark: N concurrent sessions per runtime on a real livekit-server,
# one caller per room (one Node process drives them all), agent tree sampled idle and loaded.
#
#   benchmarks/run-media-density.sh --runtime python-agents,openrtc-python --sessions 1,2,5
#   benchmarks/run-media-density.sh --runtime openrtc-jvm-coroutine,openrtc-jvm-process --sessions 10,25
#
# Runtimes: python-agents | openrtc-python (installed from PyPI into venvs under
# ~/.cache/openrtc/bench-venvs on first use) | openrtc-jvm-coroutine | openrtc-jvm-process
# (benchmarks/openrtc-bench, built with ./mvnw package by the script; see benchmarks/README.md).
# Needs: Linux, Python 3.11+, a JDK 21+, Node 18+, the livekit-server binary (scripts/livekit-server.sh
# install) and, for the test network namespace, root. --help lists every option.
# Prints the tables; raw JSON and logs go to benchmarks/results/<UTC time>-media/.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
python="${OPENRTC_BENCH_HARNESS_PYTHON:-python3}"
exec "$python" "$here/harness/media_density.py" "$@"
