#!/usr/bin/env bash
# A top-like view of what an OpenRTC worker's sessions cost, read from its /actuator/openrtc
# endpoint (openrtc.cost.enabled=true, the endpoint exposed:
# management.endpoints.web.exposure.include=openrtc). Needs curl and jq. See docs/cost.md.
#
#   scripts/openrtc-top.sh [--url URL] [--interval S] [--once] [--limit N]
#
#   --url URL       the endpoint (default http://127.0.0.1:8080/actuator/openrtc, or $OPENRTC_TOP_URL)
#   --interval S    seconds between refreshes (default 2)
#   --once          print one screen and exit (for scripts and tests)
#   --limit N       show the N sessions using the most CPU (default 20)
#
# Environment: OPENRTC_TOP_AUTH, when set, is sent as the Authorization header (a secured
# endpoint); it is never printed.
set -euo pipefail

url="${OPENRTC_TOP_URL:-http://127.0.0.1:8080/actuator/openrtc}"
interval=2
once=false
limit=20
while [ $# -gt 0 ]; do
  case "$1" in
    --url) url="$2"; shift 2 ;;
    --interval) interval="$2"; shift 2 ;;
    --once) once=true; shift ;;
    --limit) limit="$2"; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "openrtc-top: unknown option $1" >&2; exit 2 ;;
  esac
done
command -v jq >/dev/null || { echo "openrtc-top: jq is required" >&2; exit 2; }
command -v curl >/dev/null || { echo "openrtc-top: curl is required" >&2; exit 2; }

fetch() {
  if [ -n "${OPENRTC_TOP_AUTH:-}" ]; then
    curl -fsS --max-time 5 -H "Authorization: ${OPENRTC_TOP_AUTH}" "$url"
  else
    curl -fsS --max-time 5 "$url"
  fi
}

# One table: a header, then a row per entry of the jq path $3 (CPU in % of a core).
section() {
  echo
  jq -r --argjson limit "$limit" --arg title "$2" '
    def mib: . / 1048576 | (. * 10 | round / 10);
    def pct: . * 100 | (. * 10 | round / 10);
    def dash: if . == "" or . == null then "-" else . end;
    ([$title, "AGENT", "TENANT", "CPU%", "CPU-S", "ALLOC-MIB/S", "ALLOC-MIB"] | @tsv),
    ('"$3"' | [.name, (.agent | dash), (.tenant | dash), (.cpuCores | pct), (.cpuSeconds * 10 | round / 10),
              (.allocationBytesPerSecond | mib), (.allocatedBytes | mib)] | @tsv)
  ' <<<"$1" | column -t -s $'\t'
}

screen() {
  local body
  if ! body="$(fetch)"; then
    echo "openrtc-top: cannot read $url" >&2
    return 1
  fi
  if [ "$(jq -r '.cost == null' <<<"$body")" = "true" ]; then
    echo "openrtc-top: $url has no cost figures: set openrtc.cost.enabled=true" >&2
    return 1
  fi
  jq -r '
    def pct: . * 100 | (. * 10 | round / 10);
    "openrtc-top  \(.at)  worker \(.workerId)  version \(if (.deploymentVersion // "") == "" then "-" else .deploymentVersion end)  sessions \(.activeSessions)/\(.maxConcurrentSessions)",
    "JVM CPU \(.cost.processCpuCores | pct)% of a core over \(.cost.windowSeconds) s; monitor \(.cost.monitorCpuSeconds * 1000 | round) ms CPU; sampling \(.cost.samplingPeriodMillis) ms"
  ' <<<"$body"
  section "$body" SESSION "(.cost.sessions | sort_by(-.cpuCores) | .[:\$limit][])"
  section "$body" AGENT ".cost.agents[]"
  section "$body" TENANT "(.cost.tenants[]), (.cost.unattributed | .name = \"(unattributed)\")"
}

if $once; then
  screen
  exit $?
fi
while true; do
  out="$(screen 2>&1 || true)"
  clear 2>/dev/null || printf '\033[H\033[2J'
  printf '%s\n' "$out"
  sleep "$interval"
done
