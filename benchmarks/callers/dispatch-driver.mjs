// The driver of the dispatch-latency benchmark: fires CreateDispatch calls at a fixed rate,
// each for a new room, through LiveKit's own Node server SDK (livekit-server-sdk).
//
// Usage: LIVEKIT_URL=ws://... LIVEKIT_API_KEY=... LIVEKIT_API_SECRET=... \
//   node dispatch-driver.mjs --rate 10 --count 50 --agent-name bench-tone [--room-prefix p]
// Dispatch i is sent at start + i/rate (open loop: a slow answer does not delay the next
// call). Each call creates its room (CreateDispatch on a room that does not exist creates it).
// Events leave as JSON lines on stdout, each with "event" and "tMs" (epoch ms):
//   ready, dispatch{i,room,sentMs,ackMs,dispatchId|error}, fired{count,errors,spanMs,lateMsMax},
//   cleaned{rooms}, done
// After `fired` the driver waits for a line on stdin (or stdin to close), then deletes every
// room it created and exits: the orchestrator first collects the agents' timelines.
import { AgentDispatchClient, RoomServiceClient } from 'livekit-server-sdk';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const { values: opts } = parseArgs({
  options: {
    rate: { type: 'string', default: '10' },
    count: { type: 'string', default: '50' },
    'agent-name': { type: 'string' },
    'room-prefix': { type: 'string', default: `dispatch-${Date.now().toString(36)}` },
    'cleanup-concurrency': { type: 'string', default: '8' },
  },
});

function emit(event, fields = {}) {
  process.stdout.write(JSON.stringify({ event, tMs: Date.now(), ...fields }) + '\n');
}

function positiveNumber(name, raw) {
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number, not '${raw}'`);
  return value;
}

function requiredEnv(name) {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}

const rate = positiveNumber('rate', opts.rate);
const count = Math.floor(positiveNumber('count', opts.count));
const agentName = opts['agent-name'];
if (!agentName) throw new Error('--agent-name is required: the dispatch names the agent');
const httpUrl = requiredEnv('LIVEKIT_URL').replace(/^ws/, 'http');
const apiKey = requiredEnv('LIVEKIT_API_KEY');
const apiSecret = requiredEnv('LIVEKIT_API_SECRET');
const dispatches = new AgentDispatchClient(httpUrl, apiKey, apiSecret);
const rooms = new RoomServiceClient(httpUrl, apiKey, apiSecret);

function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function fireOne(i, lateness) {
  const room = `${opts['room-prefix']}-${i}`;
  const sentMs = Date.now();
  try {
    const dispatch = await dispatches.createDispatch(room, agentName, { metadata: JSON.stringify({ benchmark: 'dispatch-latency', i }) });
    emit('dispatch', { i, room, sentMs, ackMs: Date.now(), lateMs: Math.round(lateness), dispatchId: dispatch.id });
  } catch (e) {
    emit('dispatch', { i, room, sentMs, ackMs: Date.now(), lateMs: Math.round(lateness), error: String(e?.message ?? e) });
    return false;
  }
  return true;
}

async function main() {
  emit('ready', { pid: process.pid, rate, count, agentName, roomPrefix: opts['room-prefix'] });
  const start = performance.now();
  const calls = [];
  let lateMsMax = 0;
  for (let i = 0; i < count; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await delay(wait);
    const lateness = Math.max(0, performance.now() - due);
    lateMsMax = Math.max(lateMsMax, lateness);
    calls.push(fireOne(i, lateness));
  }
  const ok = await Promise.all(calls);
  emit('fired', { count, errors: ok.filter((v) => !v).length, spanMs: Math.round(performance.now() - start), lateMsMax: Math.round(lateMsMax) });

  await new Promise((resolve) => {
    const input = createInterface({ input: process.stdin });
    input.once('line', resolve);
    input.once('close', resolve);
  });
  let next = 0;
  const concurrency = Math.floor(positiveNumber('cleanup-concurrency', opts['cleanup-concurrency']));
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        await rooms.deleteRoom(`${opts['room-prefix']}-${i}`).catch(() => {});
      }
    }),
  );
  emit('cleaned', { rooms: count });
  emit('done');
}

main()
  .then(() => process.exit(0))
  .catch((e) => {
    emit('error', { message: String(e?.stack ?? e) });
    process.exit(1);
  });
