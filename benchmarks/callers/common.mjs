// What the benchmark callers (media-callers.mjs, voice-callers.mjs) share: JSON lines out, the
// environment, percentiles, starting N callers with bounded concurrency, and the driver's end.

/** One JSON line on stdout: the orchestrator's only input. */
export function emit(event, fields = {}) {
  process.stdout.write(JSON.stringify({ event, tMs: Date.now(), ...fields }) + '\n');
}

/** A secret or URL from the environment (never from the command line, where `ps` shows it). */
export function requiredEnv(name) {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}

export function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The q-quantile (nearest rank) of the non-null values, or null when there are none. */
export function percentile(values, q) {
  const sorted = values.filter((v) => v !== null).sort((a, b) => a - b);
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

// Starts callers with bounded concurrency so a large N does not stampede the server. A join
// that fails is tried once more: on a CPU-starved machine rtc-node may answer its native
// side's ready handshake too late ("handle not found"), which says nothing about the agent.
export async function startAll(sessions, concurrency, startCaller) {
  const callers = [];
  let next = 0;
  async function worker() {
    while (next < sessions) {
      const index = next++;
      for (let attempt = 1; attempt <= 2; attempt++) {
        try {
          callers.push(await startCaller(index));
          break;
        } catch (e) {
          emit('error', { id: `caller-${index}`, attempt, message: `join: ${e?.message ?? e}` });
        }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, sessions) }, worker));
  return callers.sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
}

// Runs the driver. Last line of defence for rtc-node's native-handle finalizer error (from a
// room the SDK itself dropped): report it and keep the other callers running. Anything else
// still ends the driver.
export function run(main) {
  process.on('uncaughtException', (e) => {
    if (String(e?.message ?? e).includes('invalid handle')) {
      emit('error', { id: 'rtc-node', message: `${e?.message ?? e} (ignored: a room that failed to join)` });
      return;
    }
    emit('error', { message: String(e?.stack ?? e) });
    process.exit(1);
  });
  main()
    .then(() => process.exit(0))
    .catch((e) => {
      emit('error', { message: String(e?.stack ?? e) });
      process.exit(1);
    });
}
