#!/usr/bin/env bash
# The secret scan of a suite run (issue 18): every test JVM logs through SecretScanAppender
# (openrtc-test, io.openrtc at DEBUG), which checks each log event for the API secret of any
# LiveKit server the tests started and for any JWT (LiveKit's tokens), writes leaks redacted to
# <module>/target/secret-scan/leaks-<pid>.txt and its count to jvm-<pid>.txt at exit.
# This adds them up, prints the figures, and fails on any leak. Run it after `./mvnw verify`
# (.ci/run does); `./mvnw clean` first, or old runs count too.
#
# Usage: scripts/secret-scan-report.sh [repository root, default: this script's parent]
set -euo pipefail
root="${1:-$(cd "$(dirname "$0")/.." && pwd)}"

mapfile -t counts < <(find "$root" -path '*/target/secret-scan/jvm-*.txt' -not -path '*/node_modules/*' 2>/dev/null | sort)
mapfile -t leak_files < <(find "$root" -path '*/target/secret-scan/leaks-*.txt' -size +0 -not -path '*/node_modules/*' 2>/dev/null | sort)

if ((${#counts[@]} == 0)); then
  echo "secret-scan: no counts under $root/*/target/secret-scan: no test JVM logged through the scan" >&2
  exit 1
fi

events=0
declare -A per_module=()
for file in "${counts[@]}"; do
  module="${file#"$root"/}"; module="${module%%/target/*}"
  n=$(sed -n 's/.*events=\([0-9]*\).*/\1/p' "$file")
  events=$((events + ${n:-0}))
  per_module[$module]=$(( ${per_module[$module]:-0} + ${n:-0} ))
done
for module in $(printf '%s\n' "${!per_module[@]}" | sort); do
  echo "secret-scan: $module: ${per_module[$module]} log events"
done
leaks=0
for file in "${leak_files[@]}"; do
  leaks=$((leaks + $(wc -l <"$file")))
done
echo "[reliability] secret-scan: $events log events of ${#counts[@]} JVMs checked (io.openrtc at DEBUG); leaks=$leaks"
if ((leaks > 0)); then
  echo "secret-scan: log lines holding an API secret or a JWT (redacted):" >&2
  for file in "${leak_files[@]}"; do
    echo "== ${file#"$root"/}" >&2
    head -20 "$file" >&2
  done
  exit 1
fi
