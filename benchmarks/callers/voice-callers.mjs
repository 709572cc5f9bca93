// The caller side of the voice benchmark: ONE process driving N callers, each in its own room,
// on LiveKit's own Node SDKs (@livekit/rtc-node, livekit-server-sdk). Each caller talks to the
// voice agent like a person on a call: a microphone that always streams (silence between
// questions), a recorded question played every --period-s, and the agent's answer heard,
// timed and recorded.
//
// For each caller i: join room <prefix>-<i>, publish the microphone, dispatch the agent
// (CreateDispatch with --agent-name), and wait until the agent's audio track is subscribed.
// When every caller hears its agent (or --ready-timeout-s passes): --warmup-turns questions per
// caller (reported, marked warmup), --settle-s, then the measuring window of --measure-s in
// which caller i asks at windowStart + i*period/N + k*period (never before its previous answer
// ended plus --gap-ms). Per turn:
//   questionEndMs  when the last voiced 10 ms block of the question left the microphone for the
//                  encoder (the microphone's native queue accounted for, as in
//                  openrtc-test/peers/caller.mjs)
//   replyStartMs   when the first loud 10 ms block (RMS >= --loud-rms) of the agent's audio after
//                  questionEndMs began, on the receive clock (arrival minus audio so far)
//   latencyMs      replyStartMs - questionEndMs: end of question audio -> first reply audio
//   replyMs        from replyStartMs to the last loud block (the answer ends after --quiet-ms quiet)
//   silent         no loud block within --turn-timeout-s of questionEndMs
//   wav            the answer as heard (48 kHz mono 16-bit), written to --record-dir
// Turns asked inside the window are finished after it (at most --turn-timeout-s plus the answer).
//
// Usage: LIVEKIT_URL=ws://... LIVEKIT_API_KEY=... LIVEKIT_API_SECRET=... \
//   node voice-callers.mjs --sessions 5 --agent-name bench-voice --question q.wav --record-dir DIR
//        [--room-prefix bench] [--period-s 8] [--warmup-turns 1] [--settle-s 2] [--measure-s 30]
//        [--turn-timeout-s 10] [--loud-rms 300] [--quiet-ms 800] [--gap-ms 1000]
//        [--ready-timeout-s 120] [--join-concurrency 4]
// Events leave as JSON lines on stdout, each with "event" and "tMs" (epoch ms):
//   ready, question{durationMs,voicedStartMs,voicedEndMs}, joined{id,room}, dispatched{id,room},
//   hearing{id,agent,afterJoinMs}, all-hearing{count,of,timedOut}, warmup-done, window-start{measureMs},
//   turn{id,room,turn,warmup,questionEndMs,replyStartMs,latencyMs,replyMs,silent,wav}, window-end{windowMs},
//   caller{id,room,turns,answered,silent}, summary{...}, error{id?,message}, done
import {
  AudioFrame,
  AudioSource,
  AudioStream,
  LocalAudioTrack,
  Room,
  RoomEvent,
  TrackKind,
  TrackPublishOptions,
  TrackSource,
  dispose,
} from '@livekit/rtc-node';
import { AccessToken, AgentDispatchClient, RoomServiceClient } from 'livekit-server-sdk';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { delay, emit, percentile, requiredEnv, run, startAll } from './common.mjs';
import { parseArgs } from 'node:util';

const SAMPLE_RATE = 48000;
// The microphone: 20 ms frames into a 40 ms native queue (openrtc-test/peers/caller.mjs).
const MIC_FRAME_MS = 20;
const MIC_FRAME = (SAMPLE_RATE * MIC_FRAME_MS) / 1000;
const MIC_QUEUE_MS = 40;
const CHUNK_MS = 10;
const CHUNK = (SAMPLE_RATE * CHUNK_MS) / 1000;
const RECV_FRAME_MS = 20;
const RESYNC_MS = 25;
const CREEP_MS = 0.05;
const MAX_REPLY_MS = 20000;

const { values: opts } = parseArgs({
  options: {
    sessions: { type: 'string', default: '1' },
    'agent-name': { type: 'string', default: '' },
    'room-prefix': { type: 'string', default: `voice-${Date.now().toString(36)}` },
    question: { type: 'string', default: '' },
    'record-dir': { type: 'string', default: '' },
    'period-s': { type: 'string', default: '8' },
    'warmup-turns': { type: 'string', default: '1' },
    'settle-s': { type: 'string', default: '2' },
    'measure-s': { type: 'string', default: '30' },
    'turn-timeout-s': { type: 'string', default: '10' },
    'loud-rms': { type: 'string', default: '300' },
    'quiet-ms': { type: 'string', default: '800' },
    'gap-ms': { type: 'string', default: '1000' },
    'ready-timeout-s': { type: 'string', default: '120' },
    'join-concurrency': { type: 'string', default: '4' },
  },
});

function number(name, { min = 0, integer = false } = {}) {
  const value = Number(opts[name]);
  if (!Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    throw new Error(`--${name} must be a number >= ${min}${integer ? ' (whole)' : ''}, not '${opts[name]}'`);
  }
  return value;
}

const sessions = number('sessions', { min: 1, integer: true });
const periodMs = number('period-s', { min: 1 }) * 1000;
const warmupTurns = number('warmup-turns', { integer: true });
const settleMs = number('settle-s') * 1000;
const measureMs = number('measure-s', { min: 1 }) * 1000;
const turnTimeoutMs = number('turn-timeout-s', { min: 1 }) * 1000;
const loudRms = number('loud-rms', { min: 1 });
const quietMs = number('quiet-ms', { min: 50 });
const gapMs = number('gap-ms');
const readyTimeoutMs = number('ready-timeout-s', { min: 1 }) * 1000;
const joinConcurrency = number('join-concurrency', { min: 1, integer: true });
const agentName = opts['agent-name'];
if (!opts.question) throw new Error('--question (a 16-bit PCM WAV) is required');
if (!opts['record-dir']) throw new Error('--record-dir is required');
const url = requiredEnv('LIVEKIT_URL');
const apiKey = requiredEnv('LIVEKIT_API_KEY');
const apiSecret = requiredEnv('LIVEKIT_API_SECRET');
const httpUrl = url.replace(/^ws/, 'http');
const roomService = new RoomServiceClient(httpUrl, apiKey, apiSecret);
const dispatches = new AgentDispatchClient(httpUrl, apiKey, apiSecret);

// A 16-bit PCM WAV (any rate, 1-2 channels) as 48 kHz mono (linear interpolation).
async function readWav(path) {
  const buf = await readFile(path);
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') {
    throw new Error(`${path} is not a RIFF/WAVE file`);
  }
  let fmt = null;
  let data = null;
  for (let p = 12; p + 8 <= buf.length; ) {
    const chunk = buf.toString('ascii', p, p + 4);
    const size = buf.readUInt32LE(p + 4);
    const body = p + 8;
    if (chunk === 'fmt ') {
      fmt = { format: buf.readUInt16LE(body), channels: buf.readUInt16LE(body + 2), rate: buf.readUInt32LE(body + 4), bits: buf.readUInt16LE(body + 14) };
    } else if (chunk === 'data') {
      data = buf.subarray(body, Math.min(buf.length, body + size));
    }
    p = body + size + (size & 1);
  }
  if (!fmt || !data || fmt.bits !== 16 || fmt.channels < 1 || fmt.channels > 2) throw new Error(`${path}: not 16-bit PCM mono/stereo`);
  const frames = Math.floor(data.length / (2 * fmt.channels));
  const pcm16 = new Int16Array(frames * fmt.channels);
  new Uint8Array(pcm16.buffer).set(data.subarray(0, pcm16.byteLength));
  let mono = pcm16;
  if (fmt.channels === 2) {
    mono = new Int16Array(frames);
    for (let i = 0; i < frames; i++) mono[i] = (pcm16[2 * i] + pcm16[2 * i + 1]) >> 1;
  }
  if (fmt.rate === SAMPLE_RATE) return mono;
  const out = new Int16Array(Math.round((frames * SAMPLE_RATE) / fmt.rate));
  const step = fmt.rate / SAMPLE_RATE;
  for (let j = 0; j < out.length; j++) {
    const x = j * step;
    const i0 = Math.min(Math.floor(x), frames - 1);
    const i1 = Math.min(i0 + 1, frames - 1);
    out[j] = Math.round(mono[i0] + (mono[i1] - mono[i0]) * (x - Math.floor(x)));
  }
  return out;
}

function rms(samples, from, to) {
  let sum = 0;
  for (let i = from; i < to; i++) sum += samples[i] * samples[i];
  return to > from ? Math.sqrt(sum / (to - from)) : 0;
}

// The question's voiced span: first and last 10 ms block at or above --loud-rms.
function voicedSpan(samples) {
  let first = -1;
  let last = -1;
  for (let b = 0; (b + 1) * CHUNK <= samples.length; b++) {
    if (rms(samples, b * CHUNK, (b + 1) * CHUNK) >= loudRms) {
      if (first < 0) first = b;
      last = b;
    }
  }
  if (first < 0) throw new Error('the question holds no voiced block');
  return { start: first * CHUNK, end: (last + 1) * CHUNK };
}

function wavBytes(samples) {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + samples.byteLength, 4);
  header.write('WAVEfmt ', 8, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(SAMPLE_RATE, 24);
  header.writeUInt32LE(SAMPLE_RATE * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(samples.byteLength, 40);
  return Buffer.concat([header, Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength)]);
}

const question = await readWav(opts.question);
const span = voicedSpan(question);
emit('question', {
  durationMs: Math.round((question.length * 1000) / SAMPLE_RATE),
  voicedStartMs: Math.round((span.start * 1000) / SAMPLE_RATE),
  voicedEndMs: Math.round((span.end * 1000) / SAMPLE_RATE),
});
await mkdir(opts['record-dir'], { recursive: true });

// ---- the microphone: always streaming; a question's voiced end is timed when it leaves ----

function startMic(caller) {
  const mic = { playing: null, drainAt: 0 };
  caller.mic = mic;
  micLoop(caller, mic).catch((e) => {
    if (!caller.closed) emit('error', { id: caller.id, message: `microphone: ${e}` });
  });
}

// When the frame's last chunk leaves the source (see caller.mjs updateDrain).
function updateDrain(mic, calledAt, resolvedAt) {
  if (resolvedAt - calledAt >= 5) mic.drainAt = resolvedAt + MIC_QUEUE_MS;
  else mic.drainAt = Math.min(resolvedAt + MIC_QUEUE_MS, Math.max(calledAt, mic.drainAt) + MIC_FRAME_MS);
}

async function micLoop(caller, mic) {
  const source = new AudioSource(SAMPLE_RATE, 1, MIC_QUEUE_MS);
  const track = LocalAudioTrack.createAudioTrack('microphone', source);
  const options = new TrackPublishOptions();
  options.source = TrackSource.SOURCE_MICROPHONE;
  await caller.room.localParticipant.publishTrack(track, options);
  caller.source = source;
  while (!caller.closed) {
    const data = new Int16Array(MIC_FRAME);
    let endOffset = -1;
    const clip = mic.playing;
    if (clip) {
      const n = Math.min(MIC_FRAME, question.length - clip.pos);
      data.set(question.subarray(clip.pos, clip.pos + n), 0);
      if (clip.pos < span.end && clip.pos + n >= span.end) endOffset = span.end - clip.pos - 1;
      clip.pos += n;
      if (clip.pos >= question.length) mic.playing = null;
    }
    const calledAt = Date.now();
    await source.captureFrame(new AudioFrame(data, SAMPLE_RATE, 1, MIC_FRAME));
    updateDrain(mic, calledAt, Date.now());
    if (endOffset >= 0) {
      const leaves = mic.drainAt - MIC_FRAME_MS + CHUNK_MS * (Math.floor(endOffset / CHUNK) + 1);
      clip.onVoicedEnd(Math.round(leaves));
    }
    if (clip && !mic.playing) clip.onEnd();
  }
}

// ---- what the caller hears: 10 ms blocks on the receive clock ----

async function listen(caller, track, participant) {
  const stream = new AudioStream(track, { sampleRate: SAMPLE_RATE, numChannels: 1, frameSizeMs: RECV_FRAME_MS });
  const heard = { received: 0, clock: null, blockSquares: 0, blockCount: 0 };
  if (!caller.hearing) {
    caller.hearing = true;
    emit('hearing', { id: caller.id, agent: participant.identity, afterJoinMs: Date.now() - caller.joinedAt });
    caller.onHearing();
  }
  for await (const frame of stream) {
    if (caller.closed) break;
    onFrame(caller, heard, frame.data, Date.now());
  }
}

function onFrame(caller, heard, data, now) {
  const n = data.length;
  heard.received += n;
  const audioMs = (heard.received * 1000) / SAMPLE_RATE;
  const offset = now - audioMs;
  if (heard.clock === null || offset < heard.clock || offset > heard.clock + RESYNC_MS) heard.clock = offset;
  else heard.clock += CREEP_MS;
  const frameEnd = heard.clock + audioMs;
  const turn = caller.turn;
  if (turn && turn.replyStartMs !== null && !turn.done) {
    const take = Math.min(n, turn.maxSamples - turn.samples);
    if (take > 0) {
      turn.chunks.push(data.slice(0, take));
      turn.samples += take;
    }
  }
  for (let i = 0; i < n; i++) {
    const s = data[i];
    heard.blockSquares += s * s;
    if (++heard.blockCount === CHUNK) {
      const blockEnd = frameEnd - ((n - 1 - i) * 1000) / SAMPLE_RATE;
      onBlock(caller, Math.sqrt(heard.blockSquares / CHUNK), blockEnd, data, i);
      heard.blockSquares = 0;
      heard.blockCount = 0;
    }
  }
}

function onBlock(caller, level, blockEnd, data, index) {
  const loud = level >= loudRms;
  if (loud) caller.lastLoudMs = blockEnd;
  const turn = caller.turn;
  if (!turn || turn.done || turn.questionEndMs === null) return;
  const blockStart = blockEnd - CHUNK_MS;
  if (turn.replyStartMs === null) {
    if (loud && blockStart >= turn.questionEndMs) {
      turn.replyStartMs = blockStart;
      // The recording starts with this frame's loud block.
      const from = Math.max(0, index + 1 - CHUNK);
      turn.chunks.push(data.slice(from));
      turn.samples += data.length - from;
    }
    return;
  }
  if (loud) turn.lastLoudMs = blockEnd;
  if (blockEnd - turn.lastLoudMs >= quietMs || blockEnd - turn.replyStartMs >= MAX_REPLY_MS) finishTurn(caller, turn, false);
}

// ---- turns ----

async function ask(caller, index, warmup) {
  const turn = {
    index, warmup, questionEndMs: null, replyStartMs: null, lastLoudMs: 0, chunks: [], samples: 0,
    maxSamples: (SAMPLE_RATE * MAX_REPLY_MS) / 1000, done: false,
  };
  const finished = new Promise((resolve) => (turn.resolve = resolve));
  caller.turn = turn;
  const askedMs = Date.now();
  caller.mic.playing = {
    pos: 0,
    onVoicedEnd: (ms) => {
      turn.questionEndMs = ms;
      turn.timer = setTimeout(() => {
        if (turn.replyStartMs === null) finishTurn(caller, turn, true);
      }, Math.max(0, ms - Date.now()) + turnTimeoutMs);
    },
    onEnd: () => {},
  };
  // A reply that never ends (a stuck stream) is cut after MAX_REPLY_MS by onBlock; a track that
  // stops delivering frames altogether is cut here.
  const guard = setTimeout(() => finishTurn(caller, turn, turn.replyStartMs === null), turnTimeoutMs + MAX_REPLY_MS + 5000);
  const result = await finished;
  clearTimeout(guard);
  return { askedMs, ...result };
}

function finishTurn(caller, turn, silent) {
  if (turn.done) return;
  turn.done = true;
  clearTimeout(turn.timer);
  if (caller.turn === turn) caller.turn = null;
  const row = {
    id: caller.id, room: caller.roomName, turn: turn.index, warmup: turn.warmup,
    questionEndMs: turn.questionEndMs, replyStartMs: silent ? null : Math.round(turn.replyStartMs),
    latencyMs: silent ? null : Math.round(turn.replyStartMs - turn.questionEndMs),
    replyMs: silent ? null : Math.round(turn.lastLoudMs - turn.replyStartMs), silent, wav: null,
  };
  const write = async () => {
    if (!silent && turn.samples > 0) {
      const samples = new Int16Array(turn.samples);
      let at = 0;
      for (const c of turn.chunks) {
        samples.set(c, at);
        at += c.length;
      }
      row.wav = join(opts['record-dir'], `${caller.roomName}-t${turn.index}${turn.warmup ? '-warmup' : ''}.wav`);
      await writeFile(row.wav, wavBytes(samples));
    }
    emit('turn', row);
    turn.resolve(row);
  };
  write().catch((e) => {
    emit('error', { id: caller.id, message: `turn ${turn.index}: ${e}` });
    turn.resolve(row);
  });
}

// Waits until the caller has heard no loud audio for quietMs (a late answer to a silent turn
// must not count as the next question's).
async function quiet(caller) {
  while (!caller.closed && Date.now() - caller.lastLoudMs < quietMs) await delay(50);
}

async function startCaller(index) {
  const id = `caller-${index}`;
  const roomName = `${opts['room-prefix']}-${index}`;
  const token = new AccessToken(apiKey, apiSecret, { identity: id, ttl: '2h' });
  token.addGrant({ roomJoin: true, room: roomName, canPublish: true, canSubscribe: true });
  const room = new Room();
  let onHearing;
  const heard = new Promise((resolve) => (onHearing = resolve));
  const caller = { id, roomName, room, closed: false, hearing: false, onHearing, heard, joinedAt: 0, turn: null, lastLoudMs: 0, turns: [] };
  room.on(RoomEvent.TrackSubscribed, (track, _publication, participant) => {
    if (track.kind !== TrackKind.KIND_AUDIO) return;
    listen(caller, track, participant).catch((e) => emit('error', { id, message: `listen: ${e}` }));
  });
  try {
    await room.connect(url, await token.toJwt(), { autoSubscribe: true, dynacast: false });
  } catch (e) {
    failedRooms.push(room); // see media-callers.mjs: keep a failed room's native handle referenced
    throw e;
  }
  caller.joinedAt = Date.now();
  emit('joined', { id, room: roomName });
  startMic(caller);
  if (agentName) {
    await dispatches.createDispatch(roomName, agentName, { metadata: JSON.stringify({ benchmark: 'voice' }) });
    emit('dispatched', { id, room: roomName });
  }
  return caller;
}

const failedRooms = [];

async function main() {
  emit('ready', { pid: process.pid, sessions, agentName, roomPrefix: opts['room-prefix'] });
  const callers = await startAll(sessions, joinConcurrency, startCaller);
  const waitStart = Date.now();
  const timedOut = await Promise.race([
    Promise.all(callers.map((c) => c.heard)).then(() => false),
    delay(readyTimeoutMs).then(() => true),
  ]);
  const hearing = callers.filter((c) => c.hearing);
  emit('all-hearing', { count: hearing.length, of: sessions, timedOut, waitedMs: Date.now() - waitStart });

  // Warm-up: every caller asks --warmup-turns questions (staggered over one period), not counted.
  await delay(1000);
  await Promise.all(hearing.map(async (caller, i) => {
    await delay((i * periodMs) / Math.max(1, hearing.length));
    for (let k = 0; k < warmupTurns; k++) {
      await quiet(caller);
      caller.turns.push(await ask(caller, -(k + 1), true));
      await delay(gapMs);
    }
  }));
  emit('warmup-done', {});
  await delay(settleMs);

  const windowStart = Date.now();
  const windowEnd = windowStart + measureMs;
  emit('window-start', { measureMs });
  const windowEnded = delay(measureMs).then(() => emit('window-end', { windowMs: Date.now() - windowStart }));
  await Promise.all(hearing.map(async (caller, i) => {
    const first = windowStart + (i * periodMs) / hearing.length;
    let readyAt = first;
    for (let k = 0; ; k++) {
      const due = Math.max(first + k * periodMs, readyAt);
      if (due >= windowEnd) break;
      await delay(due - Date.now());
      await quiet(caller);
      if (Date.now() >= windowEnd) break;
      const row = await ask(caller, k, false);
      caller.turns.push(row);
      readyAt = Date.now() + gapMs;
    }
  }));
  await windowEnded;

  const measured = [];
  for (const caller of callers) {
    const turns = caller.turns.filter((t) => !t.warmup);
    measured.push(...turns);
    emit('caller', { id: caller.id, room: caller.roomName, turns: turns.length, answered: turns.filter((t) => !t.silent).length, silent: turns.filter((t) => t.silent).length });
  }
  const latencies = measured.filter((t) => !t.silent).map((t) => t.latencyMs);
  emit('summary', {
    sessions,
    callersJoined: callers.length,
    callersHearing: hearing.length,
    turns: measured.length,
    answered: latencies.length,
    silent: measured.length - latencies.length,
    latencyP50Ms: percentile(latencies, 0.5),
    latencyP95Ms: percentile(latencies, 0.95),
  });

  for (const caller of callers) caller.closed = true;
  await Promise.all(callers.map(async (caller) => {
    await caller.source?.close().catch(() => {});
    await caller.room.disconnect().catch(() => {});
    await roomService.deleteRoom(caller.roomName).catch(() => {});
  }));
  await dispose();
  emit('done');
}

run(main);
