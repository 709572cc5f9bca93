// The caller side of the real-media density benchmark: ONE process driving N callers, each in
// its own room, built on LiveKit's own Node SDKs (@livekit/rtc-node, livekit-server-sdk).
// Same approach as openrtc-test/peers/caller.mjs (JSON lines out, secrets only from the
// environment), specialised for load: no FFT, per-frame timing instead.
//
// For each caller i: join room <prefix>-<i> (auto-created), publish a sine tone, then ask
// LiveKit to dispatch the agent to that room (CreateDispatch with --agent-name), subscribe to
// the agent's audio and time every frame received. When every caller hears its agent (or
// --ready-timeout-s passes), wait --settle-s, then measure for --measure-s:
//   framesPerSec  frames received from the agent per second (10 ms frames: 100 is perfect)
//   gapP99Ms      99th percentile of the time between two received frames
//   gapMaxMs      largest such gap
//   toneHz, rms   the received tone's frequency (zero crossings) and level (16-bit units),
//                 to prove the frames carry the agent's tone and not silence
// Then, after --linger-s more of the same (the tone still playing, so the agents can take their
// end-of-window figures before their caller goes), every room is deleted (which ends the agents'
// sessions) and the process exits.
//
// Usage: LIVEKIT_URL=ws://... LIVEKIT_API_KEY=... LIVEKIT_API_SECRET=... \
//   node media-callers.mjs --sessions 5 --agent-name bench-tone [--room-prefix bench]
//        [--tone-hz 440] [--settle-s 3] [--measure-s 20] [--ready-timeout-s 60] [--join-concurrency 4]
//        [--linger-s 2]
// Events leave as JSON lines on stdout, each with "event" and "tMs" (epoch ms):
//   ready, joined{id,room}, dispatched{id,room,dispatchId}, hearing{id,agent,afterJoinMs},
//   all-hearing{count,waitedMs}, window-start, window-end, caller{id,room,...stats},
//   summary{...}, error{id?,message}, done
// The orchestrator (harness/media_density.py) samples the agent's processes between
// window-start and window-end.
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
import { delay, emit, percentile, requiredEnv, run, startAll } from './common.mjs';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';

const SAMPLE_RATE = 48000;
const FRAME = SAMPLE_RATE / 100; // 10 ms

const { values: opts } = parseArgs({
  options: {
    sessions: { type: 'string', default: '1' },
    'agent-name': { type: 'string', default: '' },
    'room-prefix': { type: 'string', default: `bench-${Date.now().toString(36)}` },
    'tone-hz': { type: 'string', default: '440' },
    'settle-s': { type: 'string', default: '3' },
    'measure-s': { type: 'string', default: '20' },
    'ready-timeout-s': { type: 'string', default: '60' },
    'join-concurrency': { type: 'string', default: '4' },
    'linger-s': { type: 'string', default: '2' },
  },
});

function positiveNumber(name, raw) {
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(`--${name} must be a positive number, not '${raw}'`);
  }
  return value;
}

const sessions = Math.floor(positiveNumber('sessions', opts.sessions));
const toneHz = positiveNumber('tone-hz', opts['tone-hz']);
const settleMs = positiveNumber('settle-s', opts['settle-s']) * 1000;
const measureMs = positiveNumber('measure-s', opts['measure-s']) * 1000;
const readyTimeoutMs = positiveNumber('ready-timeout-s', opts['ready-timeout-s']) * 1000;
const joinConcurrency = Math.floor(positiveNumber('join-concurrency', opts['join-concurrency']));
const lingerMs = Number(opts['linger-s']) * 1000;
if (!Number.isFinite(lingerMs) || lingerMs < 0) throw new Error(`--linger-s must be a number >= 0, not '${opts['linger-s']}'`);
const agentName = opts['agent-name'];
const url = requiredEnv('LIVEKIT_URL');
const apiKey = requiredEnv('LIVEKIT_API_KEY');
const apiSecret = requiredEnv('LIVEKIT_API_SECRET');
const httpUrl = url.replace(/^ws/, 'http');
const rooms = new RoomServiceClient(httpUrl, apiKey, apiSecret);
const dispatches = new AgentDispatchClient(httpUrl, apiKey, apiSecret);

// One second of the tone: an integer frequency fits a whole number of periods in it, so
// looping it is seamless and each frame costs a slice.
function oneSecondOfTone(hz) {
  const pcm = new Int16Array(SAMPLE_RATE);
  for (let i = 0; i < SAMPLE_RATE; i++) pcm[i] = Math.round(6000 * Math.sin((2 * Math.PI * hz * i) / SAMPLE_RATE));
  return pcm;
}
const tonePcm = oneSecondOfTone(toneHz);

// Per received track: frame arrival times inside the window, zero crossings for the pitch.
class FrameClock {
  constructor() {
    this.firstFrameAt = null;
    this.measuring = false;
    this.frames = 0;
    this.gaps = [];
    this.last = null;
    this.crossings = 0;
    this.samples = 0;
    this.prevSign = 0;
    this.sumSquares = 0;
  }

  onFrame(frame) {
    const now = performance.now();
    if (this.firstFrameAt === null) this.firstFrameAt = now;
    if (!this.measuring) return;
    if (this.last !== null) this.gaps.push(now - this.last);
    this.last = now;
    this.frames++;
    const data = frame.data;
    for (let i = 0; i < data.length; i++) {
      this.sumSquares += data[i] * data[i];
      const sign = data[i] > 0 ? 1 : data[i] < 0 ? -1 : 0;
      if (sign !== 0 && this.prevSign !== 0 && sign !== this.prevSign) this.crossings++;
      if (sign !== 0) this.prevSign = sign;
    }
    this.samples += data.length / frame.channels;
  }

  startWindow() {
    this.measuring = true;
    this.last = null;
  }

  stats(windowMs) {
    const gaps = [...this.gaps].sort((a, b) => a - b);
    const pick = (q) => (gaps.length ? gaps[Math.min(gaps.length - 1, Math.ceil(q * gaps.length) - 1)] : null);
    const round = (v) => (v === null ? null : Math.round(v * 10) / 10);
    return {
      frames: this.frames,
      framesPerSec: round((this.frames * 1000) / windowMs),
      gapP50Ms: round(pick(0.5)),
      gapP99Ms: round(pick(0.99)),
      gapMaxMs: round(gaps.length ? gaps[gaps.length - 1] : null),
      toneHz: this.samples ? round((this.crossings / 2) * (SAMPLE_RATE / this.samples)) : null,
      rms: this.samples ? Math.round(Math.sqrt(this.sumSquares / this.samples)) : null,
    };
  }
}

async function playTone(caller) {
  const source = new AudioSource(SAMPLE_RATE, 1, 200);
  caller.source = source;
  const track = LocalAudioTrack.createAudioTrack('caller-tone', source);
  const options = new TrackPublishOptions();
  options.source = TrackSource.SOURCE_MICROPHONE;
  await caller.room.localParticipant.publishTrack(track, options);
  let offset = 0;
  while (!caller.closed) {
    const data = tonePcm.slice(offset, offset + FRAME);
    offset = (offset + FRAME) % SAMPLE_RATE;
    // captureFrame waits while the 200 ms queue is full: real-time pacing.
    await source.captureFrame(new AudioFrame(data, SAMPLE_RATE, 1, FRAME));
  }
}

async function listen(caller, track, participant) {
  const clock = new FrameClock();
  caller.clocks.set(track.sid, { clock, participant: participant.identity });
  const stream = new AudioStream(track, { sampleRate: SAMPLE_RATE, numChannels: 1, frameSizeMs: 10 });
  for await (const frame of stream) {
    if (caller.closed) break;
    clock.onFrame(frame);
    if (!caller.hearing && clock.firstFrameAt !== null) {
      caller.hearing = true;
      emit('hearing', { id: caller.id, agent: participant.identity, afterJoinMs: Math.round(clock.firstFrameAt - caller.joinedAt) });
      caller.onHearing();
    }
  }
}

async function startCaller(index) {
  const id = `caller-${index}`;
  const roomName = `${opts['room-prefix']}-${index}`;
  const token = new AccessToken(apiKey, apiSecret, { identity: id, ttl: '1h' });
  token.addGrant({ roomJoin: true, room: roomName, canPublish: true, canSubscribe: true });
  const room = new Room();
  let onHearing;
  const hearing = new Promise((resolve) => (onHearing = resolve));
  const caller = { id, roomName, room, closed: false, source: null, clocks: new Map(), hearing: false, onHearing, heard: hearing, joinedAt: null };
  room.on(RoomEvent.TrackSubscribed, (track, _publication, participant) => {
    if (track.kind !== TrackKind.KIND_AUDIO) return;
    listen(caller, track, participant).catch((e) => emit('error', { id, message: `listen: ${e}` }));
  });
  try {
    await room.connect(url, await token.toJwt(), { autoSubscribe: true, dynacast: false });
  } catch (e) {
    // A room whose join failed keeps its (now invalid) native handle; if it were garbage
    // collected, rtc-node's finalizer would throw "trying to drop an invalid handle" and
    // kill the process, and with it every other caller. Keep it referenced.
    failedRooms.push(room);
    throw e;
  }
  caller.joinedAt = performance.now();
  emit('joined', { id, room: roomName });
  playTone(caller).catch((e) => {
    if (!caller.closed) emit('error', { id, message: `tone: ${e}` });
  });
  if (agentName) {
    const dispatch = await dispatches.createDispatch(roomName, agentName, { metadata: JSON.stringify({ benchmark: 'media-density' }) });
    emit('dispatched', { id, room: roomName, dispatchId: dispatch.id });
  }
  return caller;
}

const failedRooms = [];

async function main() {
  emit('ready', { pid: process.pid, sessions, agentName, roomPrefix: opts['room-prefix'] });
  const started = performance.now();
  const callers = await startAll(sessions, joinConcurrency, startCaller);
  const waitStart = performance.now();
  const allHeard = Promise.all(callers.map((c) => c.heard));
  const timedOut = await Promise.race([allHeard.then(() => false), delay(readyTimeoutMs).then(() => true)]);
  const hearingCount = callers.filter((c) => c.hearing).length;
  emit('all-hearing', { count: hearingCount, of: sessions, timedOut, waitedMs: Math.round(performance.now() - waitStart), sinceStartMs: Math.round(performance.now() - started) });

  await delay(settleMs);
  for (const caller of callers) for (const { clock } of caller.clocks.values()) clock.startWindow();
  // Tracks subscribed later (unlikely) join the window late; their rate says so.
  emit('window-start', { measureMs });
  const windowStart = performance.now();
  await delay(measureMs);
  const windowMs = performance.now() - windowStart;
  emit('window-end', { windowMs: Math.round(windowMs) });

  const results = callers.map((caller) => {
    // The agent's track is the remote audio track this caller heard most of.
    let best = null;
    for (const { clock, participant } of caller.clocks.values()) {
      const stats = { participant, ...clock.stats(windowMs) };
      if (best === null || stats.frames > best.frames) best = stats;
    }
    const row = { id: caller.id, room: caller.roomName, tracks: caller.clocks.size, ...(best ?? { frames: 0, framesPerSec: 0 }) };
    emit('caller', row);
    return row;
  });
  for (let i = callers.length; i < sessions; i++) results.push({ id: `caller-${i}`, frames: 0, framesPerSec: 0, failed: true });
  const fps = results.map((r) => r.framesPerSec ?? 0);
  emit('summary', {
    sessions,
    callersJoined: callers.length,
    callersHearing: hearingCount,
    framesPerSecMean: Math.round((fps.reduce((a, b) => a + b, 0) / Math.max(1, fps.length)) * 10) / 10,
    framesPerSecMin: fps.length ? Math.min(...fps) : null,
    gapP99MsMedian: percentile(results.map((r) => r.gapP99Ms ?? null), 0.5),
    gapP99MsWorst: percentile(results.map((r) => r.gapP99Ms ?? null), 1),
    gapMaxMsWorst: percentile(results.map((r) => r.gapMaxMs ?? null), 1),
  });

  await delay(lingerMs);
  for (const caller of callers) caller.closed = true;
  await Promise.all(
    callers.map(async (caller) => {
      await caller.source?.close().catch(() => {});
      await caller.room.disconnect().catch(() => {});
      // Deleting the room ends the agent's session at once instead of after its timeout.
      await rooms.deleteRoom(caller.roomName).catch(() => {});
    }),
  );
  await dispose();
  emit('done');
}

run(main);
