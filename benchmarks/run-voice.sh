#!/usr/bin/env bash
# Voice benchmark (issue 15): N concurrent voice sessions per runtime on a real livekit-server,
# each with a caller (LiveKit's Node SDK) asking a recorded question every few seconds, against
# the same local model servers (the speech server's Whisper and Piper, a scripted
# OpenAI-compatible LLM with a fixed think time). Reports response latency p50/p95 at the
# caller, the heard answers' intelligibility, silent turns, CPU and PSS per session, and the
# framework's overhead (latency minus the model servers' own time), with ratios against
# LiveKit Agents in the same run.
#
#   benchmarks/run-voice.sh --runtime openrtc-jvm,python-agents --sessions 1,5,10,20
#
# Runtimes: openrtc-jvm (benchmarks/openrtc-bench, io.openrtc.bench.VoiceWorker, built with
# ./mvnw package by the script) | python-agents (LiveKit Agents 1.8.9 with its OpenAI and Silero
# plugins, from PyPI into a venv under ~/.cache/openrtc/bench-venvs on first use).
# Needs what run-media-density.sh needs plus the speech server (scripts/speech-server.sh install).
# --help lists every option. Prints the tables; raw JSON, logs and the recorded answers go to
# benchmarks/results/<UTC time>-voice/.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
python="${OPENRTC_BENCH_HARNESS_PYTHON:-python3}"
exec "$python" "$here/harness/voice_bench.py" "$@"
