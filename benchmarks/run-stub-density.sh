#!/usr/bin/env bash
# Stub density: N sessions at once through OpenRTC-JVM's session pool, each holding a 5 MB
# buffer for 1 s (no LiveKit, no WebRTC), plus the pool's own overhead per session (no buffer),
# one fresh JVM per measurement; the workload of OpenRTC-Python's published stub table.
#
#   benchmarks/run-stub-density.sh                          # N = 50,500,5000,10000 (the full run)
#   benchmarks/run-stub-density.sh --sessions 50,500 --overhead-runs 1 --process-sessions 0
#
# Builds benchmarks/openrtc-bench with ./mvnw (package, never install) unless
# OPENRTC_BENCH_SKIP_BUILD=1 and the jar exists. Needs Linux (/proc), Python 3.9+, a JDK 21+.
# --help lists every option. Prints the table; raw JSON and logs go to
# benchmarks/results/<UTC time>-stub/.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
python="${OPENRTC_BENCH_HARNESS_PYTHON:-python3}"
exec "$python" "$here/harness/stub_density.py" "$@"
