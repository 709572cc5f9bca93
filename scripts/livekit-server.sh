#!/usr/bin/env bash
# Installs, starts and stops a real livekit-server for OpenRTC-JVM's tests, benchmarks and
# the sample app. One implementation, used by humans, by .ci/run and (copied into the
# openrtc-test jar) by the JUnit extension.
#
#   scripts/livekit-server.sh install            build livekit-server once into the cache
#   scripts/livekit-server.sh start [opts]       start one server and wait until GET / is 200
#   scripts/livekit-server.sh stop [--name N] [--keep-network]
#                                                stop exactly the process `start` launched
#   scripts/livekit-server.sh restart [--name N] stop and start again: same ports, same key
#   scripts/livekit-server.sh status [--name N]  say whether it runs and where
#   scripts/livekit-server.sh env [--name N]     print LIVEKIT_URL/_API_KEY/_API_SECRET exports
#   scripts/livekit-server.sh netns-up|netns-down  create/remove the test network namespace
#   scripts/livekit-server.sh network            print where servers run: netns or host
#
# start options:
#   --name N      instance name (default "default"); state lives in $OPENRTC_STATE_DIR/N
#   --port P      HTTP/websocket port, or "auto" for a free one (default 7880); the ICE/TCP
#                 port is P+1 and the single ICE/UDP port P+2
#
# Network (see docs/testing.md): WebRTC never uses loopback, so by default, when run as root
# on Linux, the server runs inside the network namespace "openrtc-test" on a veth pair:
# server 198.18.0.1, this host 198.18.0.2 (RFC 2544 benchmark range). Elsewhere set
#   OPENRTC_TEST_NETWORK=host OPENRTC_TEST_SERVER_IP=<an address of this machine>
# and the server binds to and advertises that address instead.
#
# Environment:
#   OPENRTC_CACHE_DIR     where the binary is installed (default ~/.cache/openrtc)
#   OPENRTC_STATE_DIR     where instances keep config, pid and log (default /tmp/openrtc-livekit)
#   OPENRTC_TEST_NETWORK  netns | host (default: netns when root and `ip netns` works)
#   OPENRTC_TEST_SERVER_IP  host mode only: address to bind and advertise (default 127.0.0.1)
#   LIVEKIT_SERVER_BIN    use this binary instead of the cached build
#   OPENRTC_NETNS, OPENRTC_VETH_HOST, OPENRTC_VETH_NS, OPENRTC_SERVER_NS_IP, OPENRTC_HOST_NS_IP
#                         netns mode: another namespace, veth pair and /24 addresses than
#                         openrtc-test, ort0/ort1, 198.18.0.1/198.18.0.2 (keep them in
#                         198.18.0.0/15); an instance remembers its own, so stop and restart need
#                         no variables. Only such a namespace may have its link cut:
#   scripts/livekit-server.sh link-down|link-up --name N
#                         take the host end of instance N's veth down (a network loss) or up
set -euo pipefail

readonly LIVEKIT_VERSION="v1.13.5"
readonly LIVEKIT_MODULE="github.com/livekit/livekit-server/cmd/server"
# The namespace, its veth pair and addresses; overridable so that a test may give its server a
# network of its own (for example one whose link it cuts) without touching the shared one.
readonly DEFAULT_NETNS="openrtc-test"
NETNS="${OPENRTC_NETNS:-$DEFAULT_NETNS}"
VETH_HOST="${OPENRTC_VETH_HOST:-ort0}"
VETH_NS="${OPENRTC_VETH_NS:-ort1}"
SERVER_NS_IP="${OPENRTC_SERVER_NS_IP:-198.18.0.1}"
HOST_NS_IP="${OPENRTC_HOST_NS_IP:-198.18.0.2}"
readonly API_KEY="openrtc-test-key"

cache_dir="${OPENRTC_CACHE_DIR:-${HOME:-/root}/.cache/openrtc}"
state_root="${OPENRTC_STATE_DIR:-/tmp/openrtc-livekit}"
install_dir="$cache_dir/livekit-server/$LIVEKIT_VERSION"
server_bin="${LIVEKIT_SERVER_BIN:-$install_dir/server}"

check_network_settings() {
  [[ "$NETNS" =~ ^[A-Za-z0-9._-]+$ && "$VETH_HOST" =~ ^[A-Za-z0-9._-]{1,15}$ && "$VETH_NS" =~ ^[A-Za-z0-9._-]{1,15}$ ]] \
    || die "OPENRTC_NETNS, OPENRTC_VETH_HOST and OPENRTC_VETH_NS may hold letters, digits, '.', '_' and '-' only"
  local ip
  for ip in "$SERVER_NS_IP" "$HOST_NS_IP"; do
    # Test traffic stays in the RFC 2544 benchmark range, never on a real network.
    [[ "$ip" =~ ^198\.(18|19)\.[0-9]{1,3}\.[0-9]{1,3}$ ]] || die "namespace addresses must lie in 198.18.0.0/15, not '$ip'"
  done
  [[ "${SERVER_NS_IP%.*}" == "${HOST_NS_IP%.*}" ]] || die "OPENRTC_SERVER_NS_IP and OPENRTC_HOST_NS_IP must share one /24"
}

# An instance keeps the network it was started in, so that stop, restart and link-down/up act on
# that one whatever the caller's environment says.
save_instance_network() {
  printf 'NETNS=%s\nVETH_HOST=%s\nVETH_NS=%s\nSERVER_NS_IP=%s\nHOST_NS_IP=%s\n' \
    "$NETNS" "$VETH_HOST" "$VETH_NS" "$SERVER_NS_IP" "$HOST_NS_IP" >"$1/network"
}

use_instance_network() {
  local file="$1/network" key value
  [[ -f "$file" ]] || return 0
  while IFS='=' read -r key value; do
    case "$key" in
      NETNS|VETH_HOST|VETH_NS|SERVER_NS_IP|HOST_NS_IP) printf -v "$key" '%s' "$value" ;;
    esac
  done <"$file"
  check_network_settings
}

# The namespace an instance directory belongs to (instances from before this file: the default).
instance_netns() {
  local file="$1/network"
  if [[ -f "$file" ]]; then sed -n 's/^NETNS=//p' "$file"; else echo "$DEFAULT_NETNS"; fi
}

die() { echo "livekit-server.sh: $*" >&2; exit 1; }
log() { echo "livekit-server.sh: $*" >&2; }

network_mode() {
  if [[ -n "${OPENRTC_TEST_NETWORK:-}" ]]; then
    case "$OPENRTC_TEST_NETWORK" in
      netns|host) echo "$OPENRTC_TEST_NETWORK" ;;
      *) die "OPENRTC_TEST_NETWORK must be 'netns' or 'host', not '$OPENRTC_TEST_NETWORK'" ;;
    esac
  elif [[ "$(id -u)" == "0" ]] && command -v ip >/dev/null && ip netns list >/dev/null 2>&1; then
    echo netns
  else
    echo host
  fi
}

server_ip() {
  if [[ "$(network_mode)" == netns ]]; then echo "$SERVER_NS_IP"; else echo "${OPENRTC_TEST_SERVER_IP:-127.0.0.1}"; fi
}

# Runs a command where the server lives: inside the namespace, or here.
in_server_net() {
  if [[ "$(network_mode)" == netns ]]; then ip netns exec "$NETNS" "$@"; else "$@"; fi
}

cmd_install() {
  if [[ -x "$server_bin" ]]; then
    log "livekit-server $LIVEKIT_VERSION already installed at $server_bin"
    return 0
  fi
  command -v go >/dev/null || die "Go 1.26+ is needed to build livekit-server (go install $LIVEKIT_MODULE@$LIVEKIT_VERSION)"
  log "building livekit-server $LIVEKIT_VERSION with go install (takes a few minutes the first time)"
  mkdir -p "$install_dir"
  local gobin; gobin="$(mktemp -d)"
  # Built from the Go module proxy exactly as the upstream image is: CGO off, module mode.
  (cd "$gobin" && GOBIN="$gobin" CGO_ENABLED=0 GOFLAGS=-mod=mod go install "$LIVEKIT_MODULE@$LIVEKIT_VERSION") \
    || { rm -rf "$gobin"; die "go install $LIVEKIT_MODULE@$LIVEKIT_VERSION failed"; }
  mv "$gobin/server" "$install_dir/server.tmp" && mv "$install_dir/server.tmp" "$install_dir/server"
  rm -rf "$gobin"
  log "installed $install_dir/server"
}

cmd_netns_up() {
  [[ "$(network_mode)" == netns ]] || { log "network mode is host: no namespace needed"; return 0; }
  ip netns list | grep -qw "^$NETNS" || ip netns add "$NETNS"
  if ! ip link show "$VETH_HOST" >/dev/null 2>&1; then
    # A leftover ort1 inside the namespace from a killed run would block the new pair.
    ip netns exec "$NETNS" ip link del "$VETH_NS" >/dev/null 2>&1 || true
    ip link add "$VETH_HOST" type veth peer name "$VETH_NS"
    ip link set "$VETH_NS" netns "$NETNS"
  fi
  ip addr replace "$HOST_NS_IP/24" dev "$VETH_HOST"
  ip link set "$VETH_HOST" up
  ip netns exec "$NETNS" ip addr replace "$SERVER_NS_IP/24" dev "$VETH_NS"
  ip netns exec "$NETNS" ip link set "$VETH_NS" up
  ip netns exec "$NETNS" ip link set lo up
  if [[ "$NETNS" != "$DEFAULT_NETNS" ]]; then
    # While the host end is down (link-down) its connected route is gone, and the server's
    # address would be sent to the default route, off this machine: a blackhole route for the
    # /24, below the connected one, drops it instead, as a lost network does.
    ip route replace blackhole "${HOST_NS_IP%.*}.0/24" metric 4000
  fi
}

# Cuts (down) or restores (up) the host end of the instance's veth pair: a network loss between
# this host and the server. Never for the shared namespace, which other tests use meanwhile.
cmd_link() {
  local state="$1"; shift
  local name="default"
  [[ "${1:-}" == --name ]] && name="$2"
  local dir="$state_root/$name"
  [[ -f "$dir/config.yaml" ]] || die "instance '$name' was never started"
  use_instance_network "$dir"
  [[ "$(network_mode)" == netns ]] || die "link-$state needs netns mode"
  [[ "$NETNS" != "$DEFAULT_NETNS" ]] || die "refusing to cut the shared namespace '$DEFAULT_NETNS': start the server with OPENRTC_NETNS and its own veth pair"
  ip route replace blackhole "${HOST_NS_IP%.*}.0/24" metric 4000
  ip link set "$VETH_HOST" "$state"
  log "link $VETH_HOST ($NETNS) $state"
}

cmd_netns_down() {
  [[ "$(network_mode)" == netns ]] || return 0
  ip link del "$VETH_HOST" >/dev/null 2>&1 || true
  if [[ "$NETNS" != "$DEFAULT_NETNS" ]]; then
    ip route del blackhole "${HOST_NS_IP%.*}.0/24" metric 4000 >/dev/null 2>&1 || true
  fi
  ip netns del "$NETNS" >/dev/null 2>&1 || true
}

# Holds a lock so concurrent starts and stops agree on ports and on the namespace.
with_lock() {
  mkdir -p "$state_root"
  exec 9>"$state_root/.lock"
  flock -w 60 9 || die "could not lock $state_root/.lock within 60 s"
}

instance_pid_alive() {
  local dir="$1" pid
  [[ -f "$dir/pid" ]] || return 1
  pid="$(cat "$dir/pid")"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 1
  # A recycled pid must not be mistaken for our server.
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "--config $dir/config.yaml"
}

port_in_use() {
  local port="$1"
  in_server_net ss -Hltun 2>/dev/null | awk '{print $5}' | grep -Eq "[:.]$port\$"
}

pick_port() {
  local attempt port
  for attempt in $(seq 1 50); do
    port=$(( 20000 + (RANDOM % 6000) * 3 ))
    if ! port_in_use "$port" && ! port_in_use $((port + 1)) && ! port_in_use $((port + 2)) \
        && ! grep -qsx "$port" "$state_root"/*/port; then
      echo "$port"; return 0
    fi
  done
  die "found no free port triple after 50 tries"
}

write_config() {
  local dir="$1" ip="$2" port="$3" secret="$4"
  # Keys as in livekit-server's config-sample.yaml; strict parsing rejects unknown keys.
  cat >"$dir/config.yaml" <<YAML
port: $port
bind_addresses: ["$ip"]
keys:
  $API_KEY: $secret
logging:
  level: info
rtc:
  tcp_port: $((port + 1))
  udp_port: $((port + 2))
  use_external_ip: false
  node_ip: $ip
  # A loopback STUN entry stops the server from handing clients public STUN servers
  # they cannot reach here; it answers nothing, which only skips srflx candidates.
  stun_servers: ["127.0.0.1:3478"]
room:
  auto_create: true
  empty_timeout: 20
  departure_timeout: 5
agents:
  target_load: 0.7
YAML
}

cmd_start() {
  local name="default" port="7880"
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --name) name="$2"; shift 2 ;;
      --port) port="$2"; shift 2 ;;
      *) die "unknown option for start: $1" ;;
    esac
  done
  [[ "$name" =~ ^[A-Za-z0-9._-]+$ ]] || die "--name may hold letters, digits, '.', '_' and '-' only"
  [[ -x "$server_bin" ]] || die "livekit-server is not installed; run: scripts/livekit-server.sh install"

  local dir="$state_root/$name"
  with_lock
  if instance_pid_alive "$dir"; then
    log "instance '$name' already runs (pid $(cat "$dir/pid"))"
    cat "$dir/env"; return 0
  fi
  rm -rf "$dir"; mkdir -p "$dir"
  check_network_settings
  save_instance_network "$dir"
  cmd_netns_up
  local ip; ip="$(server_ip)"
  [[ "$port" == auto ]] && port="$(pick_port)"
  [[ "$port" =~ ^[0-9]+$ ]] || die "--port must be a number or 'auto', not '$port'"
  port_in_use "$port" && die "port $port is already in use on $ip"

  local secret; secret="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  write_config "$dir" "$ip" "$port" "$secret"
  echo "$port" >"$dir/port"
  echo "$secret" >"$dir/secret"
  launch "$dir" "$ip" "$port" "$secret"
}

# Starts the server of an instance directory whose config exists, and waits until it is ready.
# Expects the lock to be held; releases it before waiting.
launch() {
  local dir="$1" ip="$2" port="$3" secret="$4"
  # Not `exec`-ed through a subshell: `ip netns exec` execs the server, so $! is its pid.
  if [[ "$(network_mode)" == netns ]]; then
    setsid ip netns exec "$NETNS" "$server_bin" --config "$dir/config.yaml" >>"$dir/server.log" 2>&1 </dev/null 9>&- &
  else
    setsid "$server_bin" --config "$dir/config.yaml" >>"$dir/server.log" 2>&1 </dev/null 9>&- &
  fi
  local pid=$!
  echo "$pid" >"$dir/pid"
  {
    echo "LIVEKIT_URL=ws://$ip:$port"
    echo "LIVEKIT_API_KEY=$API_KEY"
    echo "LIVEKIT_API_SECRET=$secret"
    echo "LIVEKIT_SERVER_PID=$pid"
    echo "LIVEKIT_SERVER_LOG=$dir/server.log"
    echo "LIVEKIT_SERVER_NETWORK=$(network_mode)"
  } >"$dir/env"
  exec 9>&-

  local deadline=$((SECONDS + 60)) code=""
  while (( SECONDS < deadline )); do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -20 "$dir/server.log" >&2 || true
      die "livekit-server exited during startup; log: $dir/server.log"
    fi
    code="$(curl -s -o /dev/null -m 2 -w '%{http_code}' "http://$ip:$port/" || true)"
    [[ "$code" == 200 ]] && break
    sleep 0.2
  done
  [[ "$code" == 200 ]] || { kill "$pid" 2>/dev/null || true; die "livekit-server did not answer 200 on http://$ip:$port/ within 60 s; log: $dir/server.log"; }
  log "$(grep -o 'starting LiveKit server.*' "$dir/server.log" | tail -1 | cut -c1-200 || echo started) (pid $pid, http://$ip:$port)"
  cat "$dir/env"
}

# Stops and starts an instance on the same ports with the same key, as a server restart
# looks to its clients. The namespace stays up.
cmd_restart() {
  local name="default"
  [[ "${1:-}" == --name ]] && name="$2"
  local dir="$state_root/$name"
  [[ -f "$dir/config.yaml" ]] || die "instance '$name' was never started; nothing to restart"
  use_instance_network "$dir"
  with_lock
  stop_process "$dir" "$name"
  cmd_netns_up
  launch "$dir" "$(server_ip)" "$(cat "$dir/port")" "$(cat "$dir/secret")"
}

stop_process() {
  local dir="$1" name="$2"
  if instance_pid_alive "$dir"; then
    local pid; pid="$(cat "$dir/pid")"
    kill -TERM "$pid" 2>/dev/null || true
    local i
    for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && { log "pid $pid ignored SIGTERM for 10 s; killing it"; kill -KILL "$pid" 2>/dev/null || true; }
    log "stopped instance '$name' (pid $pid)"
  else
    log "instance '$name' is not running"
  fi
  rm -f "$dir/pid"
}

cmd_stop() {
  local name="default" keep_network=0
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --name) name="$2"; shift 2 ;;
      --keep-network) keep_network=1; shift ;;
      *) die "unknown option for stop: $1" ;;
    esac
  done
  local dir="$state_root/$name"
  use_instance_network "$dir"
  with_lock
  stop_process "$dir" "$name"
  (( keep_network )) && return 0
  # The namespace goes when its last server does, so nothing is left behind.
  local other alive=0
  for other in "$state_root"/*/; do
    [[ "$(instance_netns "${other%/}")" == "$NETNS" ]] || continue
    instance_pid_alive "${other%/}" && alive=1
  done
  (( alive == 0 )) && cmd_netns_down
  return 0
}

cmd_status() {
  local name="default"
  [[ "${1:-}" == --name ]] && name="$2"
  local dir="$state_root/$name"
  if instance_pid_alive "$dir"; then
    echo "running: instance '$name', pid $(cat "$dir/pid")"; grep -v SECRET "$dir/env"
  else
    echo "not running: instance '$name'"; return 3
  fi
}

cmd_env() {
  local name="default"
  [[ "${1:-}" == --name ]] && name="$2"
  local dir="$state_root/$name"
  instance_pid_alive "$dir" || die "instance '$name' is not running; start it with: scripts/livekit-server.sh start"
  sed -n 's/^\(LIVEKIT_URL\|LIVEKIT_API_KEY\|LIVEKIT_API_SECRET\)=/export \1=/p' "$dir/env"
}

case "${1:-}" in
  install) shift; cmd_install "$@" ;;
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  restart) shift; cmd_restart "$@" ;;
  status) shift; cmd_status "$@" ;;
  env) shift; cmd_env "$@" ;;
  netns-up) cmd_netns_up ;;
  netns-down) cmd_netns_down ;;
  link-down) shift; cmd_link down "$@" ;;
  link-up) shift; cmd_link up "$@" ;;
  path) echo "$server_bin" ;;
  network) network_mode ;;
  *) sed -n '2,38p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
