#!/usr/bin/env bash
# The reliability suite (issue 18, docs/reliability.md): every scenario against a real
# livekit-server, each printing its figures.
#
#   reliability/run.sh                 every scenario at CI size (what .ci/run runs inside verify)
#   reliability/run.sh --full          every scenario at the documented size
#   reliability/run.sh --full Drain    only the scenario classes whose name contains "Drain"
#
# Scenario classes are named *ScenarioTest; their figures are collected from
# */target/reliability/reports.txt into target/reliability-report.txt.
set -euo pipefail
cd "$(dirname "$0")/.."

size=ci
filter=""
for arg in "$@"; do
  case "$arg" in
    --full) size=full ;;
    -h|--help) sed -n 2,11p "$0"; exit 0 ;;
    *) filter="$arg" ;;
  esac
done

find . -path '*/target/reliability/reports.txt' -delete 2>/dev/null || true
pattern="*${filter}*ScenarioTest"
./mvnw -B verify -Dopenrtc.reliability.size="$size" -Dtest="$pattern" -Dsurefire.failIfNoSpecifiedTests=false

mkdir -p target
cat ./*/target/reliability/reports.txt > target/reliability-report.txt 2>/dev/null || true
echo "== reliability figures (target/reliability-report.txt)"
cat target/reliability-report.txt
