#!/usr/bin/env bash
# A LiveKit cluster for OpenRTC-JVM's scale-out tests (issue 22, docs/scaling.md): Redis, N
# livekit-server nodes sharing it, and HAProxy in front, all inside the network namespace
# "openrtc-cluster". One implementation, used by humans and (copied into the openrtc-test jar)
# by the JUnit extension behind @LiveKitClusterTest.
#
#   scripts/livekit-cluster.sh start [--nodes N]   start Redis, N nodes (default 3, at most 3) and the
#                                                  balancer; wait until each answers; print the env
#   scripts/livekit-cluster.sh stop                stop everything, remove the namespace
#   scripts/livekit-cluster.sh status              what runs, where (no secret)
#   scripts/livekit-cluster.sh env                 export lines for LIVEKIT_URL/_API_KEY/_API_SECRET
#   scripts/livekit-cluster.sh kill-node I         SIGKILL node I (1-based), as a crashed host
#   scripts/livekit-cluster.sh start-node I        start node I again (same address, ports, key)
#   scripts/livekit-cluster.sh restart-redis       stop Redis (SIGTERM, nothing persisted) and start it again
#   scripts/livekit-cluster.sh nodes               one line per node: index, url, pid or "down"
#
# Layout (198.19.0.0/24, inside RFC 2544's 198.18.0.0/15; the single-server tests' namespace
# "openrtc-test" and its 198.18.0.0/24 are never touched):
#
#   root namespace              namespace "openrtc-cluster"
#     orc0 198.19.0.2  <---->   orc1 198.19.0.1   HAProxy :7880 (the LIVEKIT_URL), Redis :6379
#                                    198.19.0.11  node 1: http 7881, ICE/TCP 7891, ICE/UDP 7901
#                                    198.19.0.12  node 2: http 7882, 7892, 7902
#                                    198.19.0.13  node 3: http 7883, 7893, 7903
#
# Every node has its own node_ip (what it advertises in ICE candidates) and one UDP port, so a
# participant's media goes straight to the node that hosts its room while its signalling and
# the workers' websockets go through the balancer. Needs root, `ip netns`, redis-server and
# haproxy (Debian packages), and the livekit-server binary of scripts/livekit-server.sh install.
#
# Environment:
#   OPENRTC_CACHE_DIR          where livekit-server.sh installed the binary (default ~/.cache/openrtc)
#   OPENRTC_CLUSTER_STATE_DIR  configs, pids and logs (default /tmp/openrtc-livekit-cluster)
#   LIVEKIT_SERVER_BIN         use this livekit-server binary instead
set -euo pipefail

readonly LIVEKIT_VERSION="v1.13.5"
readonly NETNS="openrtc-cluster"
readonly VETH_HOST="orc0"
readonly VETH_NS="orc1"
readonly HOST_IP="198.19.0.2"
readonly LB_IP="198.19.0.1"
readonly LB_PORT=7880
readonly REDIS_PORT=6379
readonly MAX_NODES=3
readonly API_KEY="openrtc-cluster-key"

cache_dir="${OPENRTC_CACHE_DIR:-${HOME:-/root}/.cache/openrtc}"
state="${OPENRTC_CLUSTER_STATE_DIR:-/tmp/openrtc-livekit-cluster}"
server_bin="${LIVEKIT_SERVER_BIN:-$cache_dir/livekit-server/$LIVEKIT_VERSION/server}"

die() { echo "livekit-cluster.sh: $*" >&2; exit 1; }
log() { echo "livekit-cluster.sh: $*" >&2; }

node_ip() { echo "198.19.0.1$1"; }
node_port() { echo $((7880 + $1)); }

in_ns() { ip netns exec "$NETNS" "$@"; }

with_lock() {
  mkdir -p "$state"
  exec 9>"$state/.lock"
  flock -w 120 9 || die "could not lock $state/.lock within 120 s"
}

# A pid file's process, if it is alive and still the command we started (pids get recycled).
pid_of() {
  local file="$1" marker="$2" pid
  [[ -f "$file" ]] || return 1
  pid="$(cat "$file")"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$marker" || return 1
  echo "$pid"
}

stop_pid() {
  local pid="$1" signal="${2:-TERM}" i
  kill "-$signal" "$pid" 2>/dev/null || true
  for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}

netns_up() {
  ip netns list | grep -qw "^$NETNS" || ip netns add "$NETNS"
  if ! ip link show "$VETH_HOST" >/dev/null 2>&1; then
    # A leftover orc1 inside the namespace from a killed run would block the new pair.
    in_ns ip link del "$VETH_NS" >/dev/null 2>&1 || true
    ip link add "$VETH_HOST" type veth peer name "$VETH_NS"
    ip link set "$VETH_NS" netns "$NETNS"
  fi
  ip addr replace "$HOST_IP/24" dev "$VETH_HOST"
  ip link set "$VETH_HOST" up
  in_ns ip addr replace "$LB_IP/24" dev "$VETH_NS"
  local i
  for i in $(seq 1 "$MAX_NODES"); do in_ns ip addr replace "$(node_ip "$i")/24" dev "$VETH_NS"; done
  in_ns ip link set "$VETH_NS" up
  in_ns ip link set lo up
}

# Everything left in the namespace is ours (we created it): a killed run's Redis, HAProxy or
# nodes die with it, whatever our pid files say.
netns_down() {
  if ip netns list | grep -qw "^$NETNS"; then
    local pids; pids="$(ip netns pids "$NETNS" 2>/dev/null || true)"
    if [[ -n "$pids" ]]; then
      # shellcheck disable=SC2086
      kill -TERM $pids 2>/dev/null || true
      local i
      for i in $(seq 1 50); do [[ -z "$(ip netns pids "$NETNS" 2>/dev/null)" ]] && break; sleep 0.1; done
      pids="$(ip netns pids "$NETNS" 2>/dev/null || true)"
      # shellcheck disable=SC2086
      [[ -n "$pids" ]] && kill -KILL $pids 2>/dev/null || true
    fi
  fi
  ip link del "$VETH_HOST" >/dev/null 2>&1 || true
  ip netns del "$NETNS" >/dev/null 2>&1 || true
}

wait_http() {
  local url="$1" what="$2" pid="$3" deadline=$((SECONDS + 60)) code=""
  while (( SECONDS < deadline )); do
    [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null && die "$what exited during startup; log under $state"
    code="$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$url" || true)"
    [[ "$code" == 200 ]] && return 0
    sleep 0.2
  done
  die "$what did not answer 200 on $url within 60 s; log under $state"
}

start_redis() {
  # No persistence: a restart empties it, which is what a Redis failover without replicas does.
  setsid ip netns exec "$NETNS" redis-server --bind "$LB_IP" --port "$REDIS_PORT" --save "" --appendonly no \
    --protected-mode no --daemonize no --logfile "$state/redis.log" --dir "$state" </dev/null >/dev/null 2>&1 9>&- &
  echo $! >"$state/redis.pid"
  local deadline=$((SECONDS + 30))
  until redis-cli -h "$LB_IP" -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; do
    (( SECONDS < deadline )) || die "redis-server did not answer PING within 30 s; log: $state/redis.log"
    kill -0 "$(cat "$state/redis.pid")" 2>/dev/null || die "redis-server exited; log: $state/redis.log"
    sleep 0.1
  done
}

write_node_config() {
  local i="$1" ip port; ip="$(node_ip "$i")"; port="$(node_port "$i")"
  # Keys as in livekit-server's config-sample.yaml; strict parsing rejects unknown keys.
  cat >"$state/node$i.yaml" <<YAML
port: $port
bind_addresses: ["$ip"]
redis:
  address: $LB_IP:$REDIS_PORT
keys:
  $API_KEY: $(cat "$state/secret")
logging:
  level: info
rtc:
  tcp_port: $((port + 10))
  udp_port: $((port + 20))
  use_external_ip: false
  node_ip: $ip
  # A loopback STUN entry stops the server from handing clients public STUN servers.
  stun_servers: ["127.0.0.1:3478"]
room:
  auto_create: true
  empty_timeout: 20
  departure_timeout: 5
agents:
  target_load: 0.7
YAML
}

start_node() {
  local i="$1"
  setsid ip netns exec "$NETNS" "$server_bin" --config "$state/node$i.yaml" >>"$state/node$i.log" 2>&1 </dev/null 9>&- &
  local pid=$!
  echo "$pid" >"$state/node$i.pid"
  wait_http "http://$(node_ip "$i"):$(node_port "$i")/" "node $i" "$pid"
}

write_haproxy_config() {
  local n="$1" i
  # leastconn, not roundrobin: a worker's websocket lives for hours, so a new one should go to
  # the node with the fewest; short Twirp calls spread the same way. The health check takes a
  # killed node out within ~1 s, so reconnecting workers land on the living ones.
  {
    cat <<CFG
global
  maxconn 4096
defaults
  mode http
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  timeout tunnel 1h
  option http-server-close
frontend livekit
  bind $LB_IP:$LB_PORT
  default_backend nodes
backend nodes
  balance leastconn
  option httpchk GET /
  default-server inter 500ms fall 2 rise 2
CFG
    for i in $(seq 1 "$n"); do echo "  server node$i $(node_ip "$i"):$(node_port "$i") check"; done
  } >"$state/haproxy.cfg"
}

start_haproxy() {
  setsid ip netns exec "$NETNS" haproxy -db -f "$state/haproxy.cfg" >>"$state/haproxy.log" 2>&1 </dev/null 9>&- &
  echo $! >"$state/haproxy.pid"
  wait_http "http://$LB_IP:$LB_PORT/" "haproxy" "$(cat "$state/haproxy.pid")"
}

print_env() {
  echo "LIVEKIT_URL=ws://$LB_IP:$LB_PORT"
  echo "LIVEKIT_API_KEY=$API_KEY"
  echo "LIVEKIT_API_SECRET=$(cat "$state/secret")"
  echo "LIVEKIT_CLUSTER_REDIS=$LB_IP:$REDIS_PORT"
  echo "LIVEKIT_CLUSTER_STATE=$state"
  local i
  for i in $(seq 1 "$(cat "$state/nodes")"); do
    echo "LIVEKIT_NODE_${i}_URL=ws://$(node_ip "$i"):$(node_port "$i")"
  done
}

cmd_start() {
  local n=3
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --nodes) n="$2"; shift 2 ;;
      *) die "unknown option for start: $1" ;;
    esac
  done
  [[ "$n" =~ ^[1-9]$ ]] && (( n <= MAX_NODES )) || die "--nodes must be 1..$MAX_NODES"
  [[ "$(id -u)" == 0 ]] || die "needs root (a network namespace); see docs/scaling.md"
  [[ -x "$server_bin" ]] || die "livekit-server is not installed; run: scripts/livekit-server.sh install"
  command -v redis-server >/dev/null || die "redis-server is missing: apt-get install redis-server"
  command -v haproxy >/dev/null || die "haproxy is missing: apt-get install haproxy"
  with_lock
  if [[ -f "$state/nodes" ]] && pid_of "$state/haproxy.pid" haproxy >/dev/null && pid_of "$state/redis.pid" redis-server >/dev/null; then
    local all=1 i
    for i in $(seq 1 "$(cat "$state/nodes")"); do pid_of "$state/node$i.pid" "node$i.yaml" >/dev/null || all=0; done
    if (( all )) && [[ "$(cat "$state/nodes")" == "$n" ]]; then
      log "the cluster already runs"; print_env; return 0
    fi
  fi
  # Whatever a killed run left behind goes first: processes, namespace, state.
  netns_down
  rm -rf "$state"/node* "$state"/redis* "$state"/haproxy* "$state"/secret "$state"/nodes
  netns_up
  head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$state/secret"
  echo "$n" >"$state/nodes"
  start_redis
  local i
  for i in $(seq 1 "$n"); do write_node_config "$i"; start_node "$i"; done
  write_haproxy_config "$n"
  start_haproxy
  log "cluster up: Redis $LB_IP:$REDIS_PORT, $n nodes, HAProxy ws://$LB_IP:$LB_PORT"
  print_env
}

cmd_stop() {
  with_lock
  netns_down
  rm -f "$state"/*.pid
  log "cluster stopped, namespace $NETNS removed"
}

require_running() {
  [[ -f "$state/nodes" ]] && ip netns list | grep -qw "^$NETNS" || die "the cluster is not running; start it with: scripts/livekit-cluster.sh start"
}

check_index() {
  [[ "$1" =~ ^[0-9]+$ ]] && (( $1 >= 1 && $1 <= $(cat "$state/nodes") )) || die "node index must be 1..$(cat "$state/nodes")"
}

cmd_kill_node() {
  require_running; check_index "$1"
  with_lock
  local pid
  if pid="$(pid_of "$state/node$1.pid" "node$1.yaml")"; then
    kill -KILL "$pid"
    while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
    log "node $1 killed (SIGKILL, pid $pid)"
  else
    log "node $1 is not running"
  fi
  rm -f "$state/node$1.pid"
}

cmd_start_node() {
  require_running; check_index "$1"
  with_lock
  if pid_of "$state/node$1.pid" "node$1.yaml" >/dev/null; then log "node $1 already runs"; return 0; fi
  start_node "$1"
  log "node $1 started (pid $(cat "$state/node$1.pid"))"
}

cmd_restart_redis() {
  require_running
  with_lock
  local pid
  if pid="$(pid_of "$state/redis.pid" redis-server)"; then stop_pid "$pid"; fi
  start_redis
  log "redis restarted (pid $(cat "$state/redis.pid"), empty)"
}

cmd_nodes() {
  require_running
  local i pid
  for i in $(seq 1 "$(cat "$state/nodes")"); do
    if pid="$(pid_of "$state/node$i.pid" "node$i.yaml")"; then :; else pid=down; fi
    echo "node $i ws://$(node_ip "$i"):$(node_port "$i") $pid"
  done
}

cmd_status() {
  if [[ ! -f "$state/nodes" ]] || ! ip netns list | grep -qw "^$NETNS"; then
    echo "not running"; return 3
  fi
  local pid
  pid="$(pid_of "$state/haproxy.pid" haproxy || echo down)"; echo "balancer ws://$LB_IP:$LB_PORT $pid"
  pid="$(pid_of "$state/redis.pid" redis-server || echo down)"; echo "redis $LB_IP:$REDIS_PORT $pid"
  cmd_nodes
  print_env | grep -v SECRET
}

cmd_env() {
  require_running
  print_env | sed -n 's/^\(LIVEKIT_URL\|LIVEKIT_API_KEY\|LIVEKIT_API_SECRET\)=/export \1=/p'
}

case "${1:-}" in
  start) shift; cmd_start "$@" ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  env) cmd_env ;;
  kill-node) cmd_kill_node "${2:-}" ;;
  start-node) cmd_start_node "${2:-}" ;;
  restart-redis) cmd_restart_redis ;;
  nodes) cmd_nodes ;;
  *) sed -n '2,34p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
