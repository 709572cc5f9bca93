#!/usr/bin/env bash
# Dispatch latency and throughput: CreateDispatch fired at fixed rates (default 10, 50 and
# 100 per second, 50 each), availability request -> running session per runtime, p50/p99.
#
#   benchmarks/run-dispatch-latency.sh --runtime python-agents,openrtc-python --rates 10,50,100 --count 50
#
# Same runtimes and prerequisites as run-media-density.sh; --help lists every option.
# Prints the table; raw JSON and logs go to benchmarks/results/<UTC time>-dispatch/.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
python="${OPENRTC_BENCH_HARNESS_PYTHON:-python3}"
exec "$python" "$here/harness/dispatch_latency.py" "$@"
