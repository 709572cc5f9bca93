# Sourced by ./mvnw before anything else: makes sure Maven runs on a JDK 21 or newer.
# Keeps JAVA_HOME when it already points at one; otherwise looks in the usual places, takes
# the newest JDK >= 21 it finds and says which one it chose.

openrtc_jdk_major() { # prints the feature version of the JDK at $1, or nothing
  if [ -f "$1/release" ]; then
    sed -n 's/^JAVA_VERSION="\{0,1\}\([0-9][0-9]*\).*/\1/p' "$1/release" | head -n 1
  elif [ -x "$1/bin/java" ]; then
    "$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9][0-9]*\).*/\1/p' | head -n 1
  fi
}

openrtc_find_jdk() {
  _current=""
  [ -n "${JAVA_HOME:-}" ] && _current="$(openrtc_jdk_major "$JAVA_HOME")"
  if [ -n "$_current" ] && [ "$_current" -ge 21 ]; then
    return 0
  fi
  _why="JAVA_HOME is unset"
  [ -n "${JAVA_HOME:-}" ] && _why="JAVA_HOME ($JAVA_HOME) is Java ${_current:-unknown}"

  _best="" _best_major=0
  # mvnw runs with `set -f`; the search below needs globbing.
  set +f
  _on_path="$(command -v java 2>/dev/null || true)"
  if [ -n "$_on_path" ]; then
    _on_path="$(cd "$(dirname "$(readlink -f "$_on_path")")/.." && pwd)"
  fi
  for _candidate in "$_on_path" /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* /opt/*/jdk* \
      "$HOME"/.sdkman/candidates/java/* "$HOME"/.jdks/* "$HOME"/.local/share/mise/installs/java/* \
      /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [ -n "$_candidate" ] && [ -x "$_candidate/bin/javac" ] || continue
    _major="$(openrtc_jdk_major "$_candidate")"
    if [ -n "$_major" ] && [ "$_major" -ge 21 ] && [ "$_major" -gt "$_best_major" ]; then
      _best="$_candidate" _best_major="$_major"
    fi
  done

  set -f
  if [ -z "$_best" ]; then
    echo "mvnw: OpenRTC-JVM needs a JDK 21 or newer, and none was found ($_why; nothing in /usr/lib/jvm or on the PATH): install one, for example Temurin 21 (https://adoptium.net), and set JAVA_HOME to it." >&2
    exit 1
  fi
  echo "mvnw: using JDK $_best_major at $_best ($_why)" >&2
  JAVA_HOME="$_best"
  export JAVA_HOME
}

openrtc_find_jdk
