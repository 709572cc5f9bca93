// A third-party LiveKit caller for OpenRTC-JVM's integration tests, built on LiveKit's own
// Node SDK (@livekit/rtc-node). One process drives any number of callers.
//
// Commands arrive as JSON lines on stdin (tokens travel here, never on the command line):
//   {"op":"join","id":"c1","url":"ws://198.18.0.1:20001","token":"<jwt>","toneHz":440}
//       joins, publishes a sine tone of toneHz (0 or absent: publishes nothing) as a microphone
//       track, and analyses every remote audio track it gets subscribed to
//   "join" may carry "mic":true: publishes instead one microphone that streams all the time
//       (silence, or the tone of toneHz, when idle; 20 ms frames at 48 kHz into a 40 ms native
//       queue, paced by captureFrame) and plays clips (below); and "loudRms":300: the level (RMS
//       of a 10 ms block, 16-bit units) from which heard audio counts as loud
//   {"op":"publish","id":"c1","toneHz":440}  or  {"op":"publish","id":"c1","mic":true}
//       publishes a tone (or the microphone) later (for example once the caller hears the agent,
//       so that the SDK does not negotiate its publication and its subscription at the same moment)
//   {"op":"quiet","id":"c1"}       stops its tone and its analysis but stays in the room (a caller
//                                  with audio both ways costs a tenth of a core; a quiet one little)
//   {"op":"rejoin","id":"c1"}      leaves and joins again on a fresh connection (listening anew)
//   {"op":"leave","id":"c1"}       leaves the room
//   {"op":"exit"}                  leaves every room and exits
// Speaking and listening ("tag" echoes in the answers):
//   {"op":"play","id":"c1","tag":"p1","wav":"/abs/clip.wav"}
//       queues a 16-bit PCM WAV (any rate, 1-2 channels; played as 48 kHz mono, resampled
//       linearly) on the microphone; clips play back to back -> playQueued{tag,durationMs,
//       sampleRate,channels}, then playStarted{tag,tMs} and playEnded{tag,tMs,cut:false,durationMs}
//       where tMs estimates when the clip's first / last sample left the source for the encoder
//       (it accounts for the native queue, see updateDrain, so it may lie up to 40 ms after the
//       moment the event is printed)
//   {"op":"stopPlay","id":"c1"}
//       cuts the playing clip (its queued audio is dropped) and drops the clips queued after it
//       -> playEnded{tag,tMs,cut:true,durationMs,playedMs} for each (tMs: now); nothing when idle
//   {"op":"record","id":"c1","tag":"r1","participant":"agent"}
//       keeps what every remote audio track (only the tracks of "participant", when given)
//       delivers from now on, 48 kHz mono, at most 120 s per track -> recordStarted{tag,participant,tracks}
//       (tracks subscribed later join the recording); one recording at a time
//   {"op":"saveRecording","id":"c1","tag":"r1","path":"/abs/out.wav"}
//       writes the recording (the tracks mixed, each at its start time) as a 16-bit 48 kHz mono
//       WAV and stops recording -> recordingSaved{tag,path,startMs,durationMs,loudMs,truncated,
//       tracks[{participant,trackSid,startMs,durationMs}]}: startMs is the epoch ms of the first
//       sample, loudMs the time in loud 10 ms blocks
//   {"op":"stats","id":"c1","tag":"s1"}
//       -> stats{tag,tracks[{participant,trackSid,windowMs,frames,frameMs,framesPerSecond,audioMs,
//       gaps,maxGapMs,sinceLastFrameMs}]}: frames received per remote audio track since the
//       previous stats (or the subscription), gaps counting arrivals more than 50 ms apart
// Data (LiveKit's text streams, data packets, RPC and attributes; "tag" echoes in the answer):
//   "join" may carry "textTopics":[...] and "byteTopics":[...]: the caller reads every text or
//   byte stream on those topics and reports it (text{...}, bytes{...})
//   {"op":"sendText","id":"c1","tag":"t1","topic":"lk.chat","text":"hi","attributes":{},"to":[]}
//       -> textSent{tag,streamId}
//   "join" may carry "replyOnText":{"topic":"lk.chat","text":"hi","tag":"t1"}: the instant the
//   first text stream on that topic (one of textTopics) has been read, before the text event is
//   even printed, the caller sends "text" as a text stream on the same topic -> textSent{tag,streamId};
//   and "sendOnJoin":{"topic":"lk.chat","text":"hi","tag":"t0"}: sent the instant connect returns,
//   before the joined event -> textSent{tag,streamId}. Both skip the round trip through the test JVM.
//   {"op":"streamText","id":"c1","tag":"t2","topic":"lk.transcription","parts":["a","b"],"attributes":{}}
//       writes each part as it comes, then closes -> textSent{tag,streamId}
//   {"op":"sendData","id":"c1","tag":"d1","topic":"x","text":"payload","reliable":true,"to":[]} -> dataSent{tag}
//   {"op":"registerRpc","id":"c1","method":"m","behavior":"echo|upper|slow|fail|rpcError","delayMs":0}
//       registers a handler: echo returns the payload, upper upper-cases it, slow waits delayMs
//       then echoes, fail throws a plain Error, rpcError throws RpcError(4242,"refused","details")
//       -> rpcRegistered{method}; each call -> rpcInvoked{method,caller,payload,requestId,responseTimeout}
//   {"op":"performRpc","id":"c1","tag":"r1","to":"agent","method":"m","payload":"p","timeoutMs":5000}
//       -> rpcResult{tag,payload} or rpcError{tag,code,message,data}
//   {"op":"setAttributes","id":"c1","tag":"a1","attributes":{"k":"v"}} -> attributesSet{tag}
// Events leave as JSON lines on stdout, each with "event", the caller "id" and "tMs" (epoch ms):
//   ready, joined{room,identity,participants[{identity,kind,attributes}]}, published{trackSid}, subscribed{participant,trackSid},
//   localTrackSubscribed{trackSid} (someone subscribed to one of our tracks),
//   heard{participant,trackSid,hz,rms,fps}  (every ~200 ms per remote track: dominant frequency
//                                        of the last 4096 samples, their RMS in 16-bit units, and
//                                        the 20 ms frames received per second since the last one)
//   audioStarted{participant,trackSid,tMs,rms}  a remote track's 10 ms blocks got loud; tMs: when
//                                        the first loud block began (receive clock, see onFrame)
//   audioStopped{participant,trackSid,tMs,lastLoudMs}  150 ms without a loud block (or the track
//                                        ended: "ended":true); tMs: when decided, lastLoudMs: when
//                                        the last loud block ended
//   unsubscribed{participant,trackSid}, disconnected{reason}, left, error{message,tag}
//   text{topic,streamId,sender,text,attributes,bytes}, bytes{topic,streamId,sender,name,mimeType,size},
//   data{topic,sender,text,size,kind}, attributes{participant,changed,all},
//   metadata{participant,metadata}, name{participant,name}, participantJoined{participant,kind},
//   participantLeft{participant}, reconnecting, reconnected
import {
  AudioFrame,
  AudioSource,
  AudioStream,
  LocalAudioTrack,
  Room,
  RoomEvent,
  RpcError,
  TrackKind,
  TrackPublishOptions,
  TrackSource,
  dispose,
} from '@livekit/rtc-node';
import { readFile, writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';

const SAMPLE_RATE = 48000;
// The tone: 50 ms per frame into the SDK, so that ten callers in one process stay cheap.
const FRAME_MS = 50;
const FRAME = (SAMPLE_RATE * FRAME_MS) / 1000;
const FFT_SIZE = 4096;
const TWIDDLE_RE = new Float64Array(FFT_SIZE / 2);
const TWIDDLE_IM = new Float64Array(FFT_SIZE / 2);
for (let k = 0; k < FFT_SIZE / 2; k++) {
  TWIDDLE_RE[k] = Math.cos((-2 * Math.PI * k) / FFT_SIZE);
  TWIDDLE_IM[k] = Math.sin((-2 * Math.PI * k) / FFT_SIZE);
}
const HANN = new Float64Array(FFT_SIZE);
for (let i = 0; i < FFT_SIZE; i++) HANN[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (FFT_SIZE - 1));
const REPORT_EVERY_MS = 200;
// The microphone: 20 ms frames into a 200 ms native queue. The queue is what absorbs event-loop
// stalls: a stall longer than it starves the encoder, and the agent hears the clip stretched by
// silence. With 40 ms, ten callers in one process on a loaded 2-core machine cut questions into
// pieces the VAD took for separate utterances (a 3 s question spread over 5 s, "table" lost); the
// play timestamps account for the queue (see micLoop), so its length costs no accuracy.
const MIC_FRAME_MS = 20;
const MIC_FRAME = (SAMPLE_RATE * MIC_FRAME_MS) / 1000;
const MIC_QUEUE_MS = 200;
// The native source hands the encoder 10 ms at a time, one chunk per 10 ms tick.
const CHUNK_MS = 10;
const CHUNK = (SAMPLE_RATE * CHUNK_MS) / 1000;

const callers = new Map();

function emit(event, fields = {}) {
  process.stdout.write(JSON.stringify({ event, tMs: Date.now(), ...fields }) + '\n');
}

// Dominant frequency of a FFT_SIZE block: Hann window, radix-2 FFT, strongest bin refined by a parabola.
function dominantFrequency(samples, sampleRate) {
  const n = FFT_SIZE;
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  let sumSquares = 0;
  for (let i = 0; i < n; i++) {
    sumSquares += samples[i] * samples[i];
    re[i] = samples[i] * HANN[i];
  }
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j], re[i]];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const stride = n / len;
    for (let i = 0; i < n; i += len) {
      for (let k = 0; k < len / 2; k++) {
        const wr = TWIDDLE_RE[k * stride];
        const wi = TWIDDLE_IM[k * stride];
        const a = i + k;
        const b = a + len / 2;
        const tr = re[b] * wr - im[b] * wi;
        const ti = re[b] * wi + im[b] * wr;
        re[b] = re[a] - tr;
        im[b] = im[a] - ti;
        re[a] += tr;
        im[a] += ti;
      }
    }
  }
  let best = 1;
  let bestMag = -1;
  const mags = new Float64Array(n / 2);
  for (let k = 1; k < n / 2; k++) {
    mags[k] = Math.hypot(re[k], im[k]);
    if (mags[k] > bestMag) {
      bestMag = mags[k];
      best = k;
    }
  }
  let offset = 0;
  if (best > 1 && best < n / 2 - 1) {
    const a = mags[best - 1];
    const b = mags[best];
    const c = mags[best + 1];
    const denominator = a - 2 * b + c;
    offset = denominator === 0 ? 0 : (0.5 * (a - c)) / denominator;
  }
  return { hz: ((best + offset) * sampleRate) / n, rms: Math.sqrt(sumSquares / n) };
}

// Publishes one microphone track fed by a new AudioSource with a native queue of queueMs.
async function publishSource(caller, name, queueMs) {
  // On a saturated machine the SDK's publication can time out, and a timed-out publication does
  // not recover on the same connection: then rejoin with a fresh connection and publish again.
  for (let attempt = 1; ; attempt++) {
    const source = new AudioSource(SAMPLE_RATE, 1, queueMs);
    const track = LocalAudioTrack.createAudioTrack(name, source);
    const options = new TrackPublishOptions();
    options.source = TrackSource.SOURCE_MICROPHONE;
    try {
      const publication = await caller.room.localParticipant.publishTrack(track, options);
      emit('published', { id: caller.id, trackSid: publication.sid });
      caller.source = source;
      caller.publication = publication;
      return source;
    } catch (e) {
      await source.close().catch(() => {});
      if (attempt >= 3 || caller.closed) throw e;
      emit('retry', { id: caller.id, message: `publish attempt ${attempt}: ${e?.message ?? e}; rejoining` });
      await caller.room.disconnect().catch(() => {});
      await connectRoom(caller);
    }
  }
}

async function playTone(caller, hz) {
  if (caller.mic) throw new Error(`caller ${caller.id} already publishes a microphone`);
  const source = await publishSource(caller, 'tone', 4 * FRAME_MS);
  let phase = 0;
  const step = (2 * Math.PI * hz) / SAMPLE_RATE;
  while (!caller.closed && caller.toneOn) {
    const data = new Int16Array(FRAME);
    for (let i = 0; i < FRAME; i++) {
      data[i] = Math.round(8000 * Math.sin(phase));
      phase += step;
    }
    phase %= 2 * Math.PI;
    // captureFrame waits while the source's queue is full: real-time pacing.
    await source.captureFrame(new AudioFrame(data, SAMPLE_RATE, 1, FRAME));
  }
}

// A 16-bit PCM WAV (any rate, one or two channels) as 48 kHz mono. Linear interpolation, no
// low-pass: good enough for test clips at common rates, and it only shapes what the caller says.
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
      fmt = {
        format: buf.readUInt16LE(body),
        channels: buf.readUInt16LE(body + 2),
        rate: buf.readUInt32LE(body + 4),
        bits: buf.readUInt16LE(body + 14),
        subFormat: size >= 26 ? buf.readUInt16LE(body + 24) : 0,
      };
    } else if (chunk === 'data') {
      // Streaming writers leave the size at 0xFFFFFFFF: take what is there.
      data = buf.subarray(body, Math.min(buf.length, body + size));
    }
    p = body + size + (size & 1);
  }
  if (!fmt || !data) throw new Error(`${path} has no fmt or data chunk`);
  const pcm = fmt.format === 1 || (fmt.format === 0xfffe && fmt.subFormat === 1);
  if (!pcm || fmt.bits !== 16 || fmt.channels < 1 || fmt.channels > 2 || fmt.rate <= 0) {
    throw new Error(`${path}: only 16-bit PCM with 1 or 2 channels is supported (format ${fmt.format}, `
      + `${fmt.bits} bits, ${fmt.channels} channels)`);
  }
  // The samples copied into an aligned buffer and viewed in place (the platforms Node runs
  // the SDK on are little-endian, as WAV is): per-sample Buffer reads would stall the event loop,
  // which every caller's microphone in this process shares, for tens of ms on a clip of seconds.
  const frames = Math.floor(data.length / (2 * fmt.channels));
  const pcm16 = new Int16Array(frames * fmt.channels);
  new Uint8Array(pcm16.buffer).set(data.subarray(0, pcm16.byteLength));
  let mono = pcm16;
  if (fmt.channels === 2) {
    mono = new Int16Array(frames);
    for (let i = 0; i < frames; i++) mono[i] = (pcm16[2 * i] + pcm16[2 * i + 1]) >> 1;
  }
  if (fmt.rate === SAMPLE_RATE) return { samples: mono, rate: fmt.rate, channels: fmt.channels };
  const out = new Int16Array(Math.round((frames * SAMPLE_RATE) / fmt.rate));
  const step = fmt.rate / SAMPLE_RATE;
  for (let from = 0; from < out.length; from += SAMPLE_RATE) {
    const to = Math.min(out.length, from + SAMPLE_RATE);
    for (let j = from; j < to; j++) {
      const x = j * step;
      const i0 = Math.min(Math.floor(x), frames - 1);
      const i1 = Math.min(i0 + 1, frames - 1);
      const f = x - Math.floor(x);
      out[j] = Math.round(mono[i0] + (mono[i1] - mono[i0]) * f);
    }
    // A second of output at a time, then the other callers' frames go first.
    await new Promise((resolve) => setImmediate(resolve));
  }
  return { samples: out, rate: fmt.rate, channels: fmt.channels };
}

// One microphone that always streams (silence, or the tone of toneHz, when no clip plays) and
// plays queued clips. The mic object exists before its publication so clips may queue meanwhile.
function startMic(caller, toneHz) {
  if (caller.mic || caller.publication) throw new Error(`caller ${caller.id} already publishes a track`);
  const mic = {
    clips: [], current: null, source: null,
    toneHz: toneHz > 0 ? toneHz : 0, phase: 0,
    drainAt: 0, cleared: false,
  };
  caller.mic = mic;
  micLoop(caller, mic).catch((e) => {
    if (!caller.closed) emit('error', { id: caller.id, message: `microphone: ${e}` });
  });
}

// Fills one frame: clip samples while clips last, then silence or tone. Returns where clips
// start and end in it (sample offsets).
function fillMicFrame(mic, data) {
  const marks = [];
  let i = 0;
  while (i < data.length) {
    if (!mic.current) {
      if (!mic.clips.length) break;
      mic.current = mic.clips.shift();
      marks.push({ type: 'start', clip: mic.current, offset: i });
    }
    const clip = mic.current;
    const n = Math.min(data.length - i, clip.samples.length - clip.pos);
    data.set(clip.samples.subarray(clip.pos, clip.pos + n), i);
    clip.pos += n;
    i += n;
    if (clip.pos >= clip.samples.length) {
      marks.push({ type: 'end', clip, offset: Math.max(0, i - 1) });
      mic.current = null;
    }
  }
  if (mic.toneHz > 0) {
    const step = (2 * Math.PI * mic.toneHz) / SAMPLE_RATE;
    for (; i < data.length; i++) {
      data[i] = Math.round(8000 * Math.sin(mic.phase));
      mic.phase += step;
    }
    mic.phase %= 2 * Math.PI;
  }
  return marks;
}

// When the frame's samples leave the source for the encoder. The native source keeps a buffer
// that a 10 ms tick drains one 10 ms chunk at a time, and captureFrame resolves once that buffer
// holds at most MIC_QUEUE_MS (the frame just given included, at its end). So:
//  - a capture that had to wait (for a tick) resolved with exactly MIC_QUEUE_MS buffered: the
//    frame's last chunk leaves MIC_QUEUE_MS after the resolution;
//  - a capture that completed at once (start, or after a stall drained the buffer) found room:
//    the buffer is what we put in minus what the ticks took since, i.e. the previous estimate
//    (if still ahead of now) plus this frame, and never more than MIC_QUEUE_MS;
//  - a stopPlay during the capture cleared the buffer: nothing is ahead of now.
// drainAt is then when the frame's last chunk leaves; chunk k of the frame leaves
// (MIC_FRAME_MS - CHUNK_MS * (k + 1)) earlier. The error is about a tick (10 ms) plus the
// event-loop delay before the resolution is seen (which makes the estimate late, not early).
function updateDrain(mic, calledAt, resolvedAt) {
  if (mic.cleared) {
    mic.drainAt = resolvedAt;
  } else if (resolvedAt - calledAt >= 5) {
    mic.drainAt = resolvedAt + MIC_QUEUE_MS;
  } else {
    mic.drainAt = Math.min(resolvedAt + MIC_QUEUE_MS, Math.max(calledAt, mic.drainAt) + MIC_FRAME_MS);
  }
}

function leavesAt(mic, offset) {
  return Math.round(mic.drainAt - MIC_FRAME_MS + CHUNK_MS * (Math.floor(offset / CHUNK) + 1));
}

async function micLoop(caller, mic) {
  const source = await publishSource(caller, 'microphone', MIC_QUEUE_MS);
  mic.source = source;
  while (!caller.closed && caller.mic === mic) {
    const data = new Int16Array(MIC_FRAME);
    const marks = fillMicFrame(mic, data);
    mic.cleared = false;
    const calledAt = Date.now();
    // Waits while the native queue is full: real-time pacing.
    await source.captureFrame(new AudioFrame(data, SAMPLE_RATE, 1, MIC_FRAME));
    updateDrain(mic, calledAt, Date.now());
    for (const { type, clip, offset } of marks) {
      if (clip.cut) continue; // stopPlay already reported it
      const tMs = leavesAt(mic, offset);
      if (type === 'start') {
        clip.startedMs = tMs;
        emit('playStarted', { id: caller.id, tag: clip.tag, tMs });
      } else {
        emit('playEnded', { id: caller.id, tag: clip.tag, tMs, cut: false, durationMs: clip.durationMs });
      }
    }
  }
}

async function play(command) {
  const caller = callerOf(command);
  const mic = caller.mic;
  if (!mic) throw new Error(`caller ${command.id} has no microphone: join or publish with "mic":true`);
  if (!command.wav) throw new Error('play needs "wav" (an absolute path)');
  const wav = await readWav(command.wav);
  const durationMs = Math.round((wav.samples.length * 1000) / SAMPLE_RATE);
  mic.clips.push({ tag: command.tag, samples: wav.samples, pos: 0, durationMs, cut: false, startedMs: null });
  emit('playQueued', { id: command.id, tag: command.tag, durationMs, sampleRate: wav.rate, channels: wav.channels });
}

function stopPlay(command) {
  const caller = callerOf(command);
  const mic = caller.mic;
  if (!mic) throw new Error(`caller ${command.id} has no microphone`);
  const now = Date.now();
  const current = mic.current;
  const queued = mic.clips.splice(0);
  mic.current = null;
  if (!current && !queued.length) return;
  // What of the clip is still in the native queue never leaves; the mic loop resyncs its estimate.
  if (mic.source) {
    mic.source.clearQueue();
    mic.cleared = true;
  }
  if (current) {
    current.cut = true;
    const playedMs = current.startedMs === null ? 0 : Math.max(0, now - current.startedMs);
    emit('playEnded', { id: command.id, tag: current.tag, tMs: now, cut: true, durationMs: current.durationMs, playedMs });
  }
  for (const clip of queued) {
    clip.cut = true;
    emit('playEnded', { id: command.id, tag: clip.tag, tMs: now, cut: true, durationMs: clip.durationMs, playedMs: 0 });
  }
}

// What the caller hears arrives in 20 ms frames; voice activity is judged on 10 ms blocks.
const RECV_FRAME_MS = 20;
const BLOCK = CHUNK;
const BLOCK_MS = CHUNK_MS;
const DEFAULT_LOUD_RMS = 300;
const QUIET_AFTER_MS = 150;
// Frames further apart than this count as a gap in the stats.
const GAP_MS = 50;
// A recording keeps at most 120 s per track (11.5 MB); later audio is dropped and the saved
// recording says "truncated".
const MAX_RECORDING_MS = 120000;
const MAX_RECORDING_SAMPLES = (SAMPLE_RATE * MAX_RECORDING_MS) / 1000;
// The receive clock (see onFrame): how far a frame may arrive behind it before the clock is
// re-anchored, and how fast it drifts back toward later arrivals.
const RESYNC_MS = 25;
const CREEP_MS = 0.05;

function newStats(now) {
  return { since: now, frames: 0, samples: 0, gaps: 0, maxGapMs: 0 };
}

function rms(samples) {
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += samples[i] * samples[i];
  return samples.length ? Math.sqrt(sum / samples.length) : 0;
}

function recordingWanted(recording, participant) {
  return recording && (!recording.participant || recording.participant === participant);
}

function startPart(recording, heard) {
  const part = {
    participant: heard.participant, trackSid: heard.trackSid,
    chunks: [], samples: 0, startMs: null, truncated: false,
  };
  recording.parts.push(part);
  heard.part = part;
}

async function listen(caller, track, participant) {
  const stream = new AudioStream(track, { sampleRate: SAMPLE_RATE, numChannels: 1, frameSizeMs: RECV_FRAME_MS });
  const now = Date.now();
  const heard = {
    participant: participant.identity, trackSid: track.sid,
    // The newest FFT_SIZE samples, kept in a circular buffer and unrolled when analysed.
    ring: new Float64Array(FFT_SIZE), window: new Float64Array(FFT_SIZE), written: 0,
    lastReport: 0, reportFrom: now, reportFrames: 0,
    received: 0, clock: null,
    blockSquares: 0, blockCount: 0, speaking: false, lastLoudEnd: 0,
    lastArrival: 0, stats: newStats(now), part: null,
  };
  caller.heard.set(track.sid, heard);
  if (recordingWanted(caller.recording, heard.participant)) startPart(caller.recording, heard);
  try {
    for await (const frame of stream) {
      if (caller.closed || !caller.listening) break;
      onFrame(caller, heard, frame.data, Date.now());
    }
  } finally {
    if (caller.heard.get(track.sid) === heard) caller.heard.delete(track.sid);
    if (heard.speaking) {
      emit('audioStopped', {
        id: caller.id, participant: heard.participant, trackSid: heard.trackSid,
        lastLoudMs: Math.round(heard.lastLoudEnd), ended: true,
      });
    }
  }
}

function onFrame(caller, heard, data, now) {
  const n = data.length;
  const stats = heard.stats;
  if (heard.lastArrival) {
    const gap = now - heard.lastArrival;
    if (gap > GAP_MS) stats.gaps++;
    if (gap > stats.maxGapMs) stats.maxGapMs = gap;
  }
  heard.lastArrival = now;
  stats.frames++;
  stats.samples += n;
  heard.reportFrames++;

  // Frames reach this loop late by however long the event loop was busy, never early. So the
  // receive clock (epoch ms of sample 0) is the lowest arrival-minus-audio-so-far seen: a late
  // frame is read as late, not as a shift. It is re-anchored when frames fall behind it by more
  // than RESYNC_MS (audio really went missing; a wrong anchor from one stalled frame is undone by
  // the next timely one), and creeps forward slowly to follow smaller real shifts.
  heard.received += n;
  const audioMs = (heard.received * 1000) / SAMPLE_RATE;
  const offset = now - audioMs;
  if (heard.clock === null || offset < heard.clock || offset > heard.clock + RESYNC_MS) {
    heard.clock = offset;
  } else {
    heard.clock += CREEP_MS;
  }
  const frameEnd = heard.clock + audioMs;

  const ring = heard.ring;
  for (let i = 0; i < n; i++) {
    const s = data[i];
    ring[heard.written++ % FFT_SIZE] = s;
    heard.blockSquares += s * s;
    if (++heard.blockCount === BLOCK) {
      const blockEnd = frameEnd - ((n - 1 - i) * 1000) / SAMPLE_RATE;
      onBlock(caller, heard, Math.sqrt(heard.blockSquares / BLOCK), blockEnd);
      heard.blockSquares = 0;
      heard.blockCount = 0;
    }
  }

  const part = heard.part;
  if (part) {
    if (part.startMs === null) part.startMs = frameEnd - (n * 1000) / SAMPLE_RATE;
    const take = Math.min(n, MAX_RECORDING_SAMPLES - part.samples);
    if (take > 0) {
      part.chunks.push(data.slice(0, take));
      part.samples += take;
    }
    if (take < n) part.truncated = true;
  }

  if (heard.written >= FFT_SIZE && now - heard.lastReport >= REPORT_EVERY_MS) {
    for (let i = 0; i < FFT_SIZE; i++) {
      heard.window[i] = ring[(heard.written + i) % FFT_SIZE];
    }
    const { hz, rms: level } = dominantFrequency(heard.window, SAMPLE_RATE);
    const fps = (heard.reportFrames * 1000) / Math.max(1, now - heard.reportFrom);
    heard.lastReport = now;
    heard.reportFrom = now;
    heard.reportFrames = 0;
    emit('heard', {
      id: caller.id,
      participant: heard.participant,
      trackSid: heard.trackSid,
      hz: Math.round(hz * 10) / 10,
      rms: Math.round(level),
      fps: Math.round(fps * 10) / 10,
    });
  }
}

// Voice activity on one 10 ms block that ended at blockEnd (epoch ms, receive clock).
function onBlock(caller, heard, level, blockEnd) {
  if (level >= caller.loudRms) {
    if (!heard.speaking) {
      heard.speaking = true;
      emit('audioStarted', {
        id: caller.id, participant: heard.participant, trackSid: heard.trackSid,
        tMs: Math.round(blockEnd - BLOCK_MS), rms: Math.round(level),
      });
    }
    heard.lastLoudEnd = blockEnd;
  } else if (heard.speaking && blockEnd - heard.lastLoudEnd >= QUIET_AFTER_MS) {
    heard.speaking = false;
    emit('audioStopped', {
      id: caller.id, participant: heard.participant, trackSid: heard.trackSid,
      lastLoudMs: Math.round(heard.lastLoudEnd),
    });
  }
}

function record(command) {
  const caller = callerOf(command);
  if (caller.recording) throw new Error(`caller ${command.id} is already recording ${caller.recording.tag}`);
  const recording = { tag: command.tag, participant: command.participant ?? null, parts: [] };
  caller.recording = recording;
  for (const heard of caller.heard.values()) {
    if (recordingWanted(recording, heard.participant)) startPart(recording, heard);
  }
  emit('recordStarted', {
    id: command.id, tag: command.tag, participant: recording.participant,
    tracks: recording.parts.map((p) => p.trackSid),
  });
}

function wavBytes(samples) {
  const out = Buffer.alloc(44 + samples.length * 2);
  out.write('RIFF', 0, 'ascii');
  out.writeUInt32LE(36 + samples.length * 2, 4);
  out.write('WAVEfmt ', 8, 'ascii');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20); // PCM
  out.writeUInt16LE(1, 22); // mono
  out.writeUInt32LE(SAMPLE_RATE, 24);
  out.writeUInt32LE(SAMPLE_RATE * 2, 28);
  out.writeUInt16LE(2, 32);
  out.writeUInt16LE(16, 34);
  out.write('data', 36, 'ascii');
  out.writeUInt32LE(samples.length * 2, 40);
  for (let i = 0; i < samples.length; i++) out.writeInt16LE(samples[i], 44 + 2 * i);
  return out;
}

// Writes what the recording's tracks received, mixed (each placed at its own start time: what a
// person in the room would hear), as one 16-bit 48 kHz mono WAV; then stops recording.
async function saveRecording(command) {
  const caller = callerOf(command);
  const recording = caller.recording;
  if (!recording || recording.tag !== command.tag) {
    throw new Error(`caller ${command.id} is not recording ${command.tag}`);
  }
  if (!command.path) throw new Error('saveRecording needs "path" (an absolute path)');
  caller.recording = null;
  for (const heard of caller.heard.values()) {
    if (recording.parts.includes(heard.part)) heard.part = null;
  }
  const parts = recording.parts.filter((p) => p.samples > 0);
  const startMs = parts.length ? Math.min(...parts.map((p) => p.startMs)) : null;
  let length = 0;
  for (const p of parts) {
    p.offset = Math.round(((p.startMs - startMs) * SAMPLE_RATE) / 1000);
    length = Math.max(length, p.offset + p.samples);
  }
  const truncated = length > MAX_RECORDING_SAMPLES || parts.some((p) => p.truncated);
  length = Math.min(length, MAX_RECORDING_SAMPLES);
  const mix = new Int16Array(length);
  if (parts.length === 1) {
    let at = 0;
    for (const chunk of parts[0].chunks) {
      mix.set(chunk, at);
      at += chunk.length;
    }
  } else if (parts.length > 1) {
    const sum = new Int32Array(length);
    for (const p of parts) {
      let at = p.offset;
      for (const chunk of p.chunks) {
        for (let i = 0; i < chunk.length && at < length; i++) sum[at++] += chunk[i];
      }
    }
    for (let i = 0; i < length; i++) mix[i] = Math.max(-32768, Math.min(32767, sum[i]));
  }
  await writeFile(command.path, wavBytes(mix));
  const loudMs = (samples) => {
    let loud = 0;
    for (let i = 0; i + BLOCK <= samples.length; i += BLOCK) {
      if (rms(samples.subarray(i, i + BLOCK)) >= caller.loudRms) loud += BLOCK_MS;
    }
    return loud;
  };
  emit('recordingSaved', {
    id: command.id,
    tag: command.tag,
    path: command.path,
    startMs: startMs === null ? null : Math.round(startMs),
    durationMs: Math.round((length * 1000) / SAMPLE_RATE),
    loudMs: loudMs(mix),
    truncated,
    tracks: parts.map((p) => ({
      participant: p.participant,
      trackSid: p.trackSid,
      startMs: Math.round(p.startMs),
      durationMs: Math.round((p.samples * 1000) / SAMPLE_RATE),
    })),
  });
}

// Frames received per remote audio track since the previous stats (or the subscription); resets.
function stats(command) {
  const caller = callerOf(command);
  const now = Date.now();
  const tracks = [...caller.heard.values()].map((heard) => {
    const s = heard.stats;
    const windowMs = Math.max(1, now - s.since);
    heard.stats = newStats(now);
    return {
      participant: heard.participant,
      trackSid: heard.trackSid,
      windowMs,
      frames: s.frames,
      frameMs: RECV_FRAME_MS,
      framesPerSecond: Math.round((s.frames * 10000) / windowMs) / 10,
      audioMs: Math.round((s.samples * 1000) / SAMPLE_RATE),
      gaps: s.gaps,
      maxGapMs: s.maxGapMs,
      sinceLastFrameMs: heard.lastArrival ? now - heard.lastArrival : null,
    };
  });
  emit('stats', { id: command.id, tag: command.tag, tracks });
}

async function connectRoom(caller) {
  const { id } = caller;
  const room = new Room();
  caller.room = room;
  room.on(RoomEvent.TrackSubscribed, (track, publication, participant) => {
    if (track.kind !== TrackKind.KIND_AUDIO) return;
    emit('subscribed', { id, participant: participant.identity, trackSid: track.sid });
    listen(caller, track, participant).catch((e) => emit('error', { id, message: `listen: ${e}` }));
  });
  // Another participant (the agent) subscribed to one of this caller's tracks: it hears us from now on.
  room.on(RoomEvent.LocalTrackSubscribed, (track) => {
    emit('localTrackSubscribed', { id, trackSid: track?.sid ?? '' });
  });
  room.on(RoomEvent.TrackUnsubscribed, (track, publication, participant) => {
    emit('unsubscribed', { id, participant: participant.identity, trackSid: track.sid });
  });
  room.on(RoomEvent.Disconnected, (reason) => {
    emit('disconnected', { id, reason: String(reason) });
  });
  room.on(RoomEvent.DataReceived, (payload, participant, kind, topic) => {
    emit('data', {
      id,
      topic: topic ?? '',
      sender: participant?.identity ?? '',
      text: new TextDecoder().decode(payload),
      size: payload.byteLength,
      kind: String(kind),
    });
  });
  room.on(RoomEvent.ParticipantAttributesChanged, (changed, participant) => {
    emit('attributes', { id, participant: participant.identity, changed, all: participant.attributes });
  });
  room.on(RoomEvent.ParticipantMetadataChanged, (metadata, participant) => {
    emit('metadata', { id, participant: participant.identity, metadata: participant.metadata });
  });
  room.on(RoomEvent.ParticipantNameChanged, (name, participant) => {
    emit('name', { id, participant: participant.identity, name });
  });
  room.on(RoomEvent.ParticipantConnected, (participant) => {
    emit('participantJoined', { id, participant: participant.identity, kind: String(participant.kind) });
  });
  room.on(RoomEvent.ParticipantDisconnected, (participant) => {
    emit('participantLeft', { id, participant: participant.identity });
  });
  room.on(RoomEvent.Reconnecting, () => emit('reconnecting', { id }));
  room.on(RoomEvent.Reconnected, () => emit('reconnected', { id }));
  for (const topic of caller.textTopics) {
    room.registerTextStreamHandler(topic, (reader, participantInfo) => {
      reader
        .readAll()
        .then((text) => {
          const reply = caller.replyOnText;
          if (reply && reply.topic === topic && !caller.replied) {
            caller.replied = true;
            sendText({ id, tag: reply.tag, topic, text: reply.text }).catch((e) =>
              emit('error', { id, tag: reply.tag, message: String(e?.message ?? e) }),
            );
          }
          return text;
        })
        .then((text) =>
          emit('text', {
            id,
            topic,
            streamId: reader.info.streamId,
            sender: participantInfo.identity,
            text,
            bytes: Buffer.byteLength(text, 'utf8'),
            attributes: reader.info.attributes ?? {},
          }),
        )
        .catch((e) => emit('error', { id, message: `text stream on ${topic}: ${e?.message ?? e}` }));
    });
  }
  for (const topic of caller.byteTopics) {
    room.registerByteStreamHandler(topic, (reader, participantInfo) => {
      reader
        .readAll()
        .then((chunks) =>
          emit('bytes', {
            id,
            topic,
            streamId: reader.info.streamId,
            sender: participantInfo.identity,
            name: reader.info.name,
            mimeType: reader.info.mimeType,
            size: chunks.reduce((n, c) => n + c.byteLength, 0),
          }),
        )
        .catch((e) => emit('error', { id, message: `byte stream on ${topic}: ${e?.message ?? e}` }));
    });
  }
  await room.connect(caller.url, caller.token, { autoSubscribe: true, dynacast: false });
}

async function join(command) {
  const { id, url, token } = command;
  if (callers.has(id)) throw new Error(`caller ${id} already exists`);
  const caller = {
    id, url, token, room: null, closed: false, listening: true, toneOn: true, source: null, publication: null,
    textTopics: command.textTopics ?? [], byteTopics: command.byteTopics ?? [],
    replyOnText: command.replyOnText ?? null, replied: false,
    mic: null, loudRms: command.loudRms ?? DEFAULT_LOUD_RMS, heard: new Map(), recording: null,
  };
  callers.set(id, caller);
  await connectRoom(caller);
  const room = caller.room;
  const early = command.sendOnJoin
    ? sendText({ id, tag: command.sendOnJoin.tag, topic: command.sendOnJoin.topic, text: command.sendOnJoin.text })
    : null;
  emit('joined', {
    id,
    room: room.name,
    identity: room.localParticipant.identity,
    participants: [...room.remoteParticipants.values()].map((p) => ({
      identity: p.identity,
      kind: String(p.kind),
      attributes: p.attributes,
    })),
  });
  if (command.mic) {
    startMic(caller, command.toneHz ?? 0);
  } else if (command.toneHz && command.toneHz > 0) {
    playTone(caller, command.toneHz).catch((e) => {
      if (!caller.closed) emit('error', { id, message: `tone: ${e}` });
    });
  }
  if (early) await early;
}

async function publish(command) {
  const caller = callerOf(command);
  if (command.mic) {
    startMic(caller, command.toneHz ?? 0);
    return;
  }
  playTone(caller, command.toneHz).catch((e) => {
    if (!caller.closed) emit('error', { id: command.id, message: `tone: ${e}` });
  });
}

async function quiet(id) {
  const caller = callers.get(id);
  if (!caller) return;
  caller.listening = false;
  caller.toneOn = false;
  caller.mic = null;
  if (caller.publication) {
    await caller.room.localParticipant.unpublishTrack(caller.publication.sid);
    caller.publication = null;
  }
  emit('quiet', { id });
}

async function rejoin(id) {
  const caller = callers.get(id);
  if (!caller) throw new Error(`no caller ${id}`);
  await caller.room.disconnect().catch(() => {});
  caller.listening = true;
  await connectRoom(caller);
  emit('rejoined', { id });
}

async function leave(id) {
  const caller = callers.get(id);
  if (!caller) return;
  caller.closed = true;
  callers.delete(id);
  try {
    if (caller.source) await caller.source.close();
  } catch (e) {
    // already closed with the room
  }
  await caller.room.disconnect();
  emit('left', { id });
}

function callerOf(command) {
  const caller = callers.get(command.id);
  if (!caller) throw new Error(`no caller ${command.id}`);
  return caller;
}

async function sendText(command) {
  const participant = callerOf(command).room.localParticipant;
  const info = await participant.sendText(command.text, {
    topic: command.topic,
    attributes: command.attributes ?? {},
    destinationIdentities: command.to ?? [],
  });
  emit('textSent', { id: command.id, tag: command.tag, streamId: info.streamId });
}

async function streamText(command) {
  const participant = callerOf(command).room.localParticipant;
  const writer = await participant.streamText({ topic: command.topic, attributes: command.attributes ?? {} });
  for (const part of command.parts) {
    await writer.write(part);
  }
  await writer.close();
  emit('textSent', { id: command.id, tag: command.tag, streamId: writer.info.streamId });
}

async function sendData(command) {
  const participant = callerOf(command).room.localParticipant;
  await participant.publishData(new TextEncoder().encode(command.text), {
    reliable: command.reliable ?? true,
    topic: command.topic,
    destination_identities: command.to ?? [],
  });
  emit('dataSent', { id: command.id, tag: command.tag });
}

function registerRpc(command) {
  const participant = callerOf(command).room.localParticipant;
  participant.registerRpcMethod(command.method, async (data) => {
    emit('rpcInvoked', {
      id: command.id,
      method: command.method,
      caller: data.callerIdentity,
      payload: data.payload,
      requestId: data.requestId,
      responseTimeout: data.responseTimeout,
    });
    switch (command.behavior) {
      case 'upper':
        return data.payload.toUpperCase();
      case 'slow':
        await new Promise((resolve) => setTimeout(resolve, command.delayMs ?? 0));
        return data.payload;
      case 'fail':
        throw new Error('the caller script failed on purpose');
      case 'rpcError':
        throw new RpcError(4242, 'refused', 'details');
      default:
        return data.payload;
    }
  });
  emit('rpcRegistered', { id: command.id, method: command.method });
}

async function performRpc(command) {
  const participant = callerOf(command).room.localParticipant;
  try {
    const payload = await participant.performRpc({
      destinationIdentity: command.to,
      method: command.method,
      payload: command.payload,
      responseTimeout: command.timeoutMs,
    });
    emit('rpcResult', { id: command.id, tag: command.tag, payload });
  } catch (e) {
    emit('rpcError', { id: command.id, tag: command.tag, code: e?.code ?? -1, message: e?.message ?? String(e), data: e?.data ?? '' });
  }
}

async function setAttributes(command) {
  await callerOf(command).room.localParticipant.setAttributes(command.attributes);
  emit('attributesSet', { id: command.id, tag: command.tag });
}

async function exitAll() {
  for (const id of [...callers.keys()]) {
    await leave(id).catch(() => {});
  }
  await dispose();
  process.exit(0);
}

// Runs fn before the next command line is read (unlike Promise.resolve().then), so a record takes
// effect before a play sent right after it.
function runNow(fn) {
  try {
    return Promise.resolve(fn());
  } catch (e) {
    return Promise.reject(e);
  }
}

const input = createInterface({ input: process.stdin });
input.on('line', (line) => {
  if (!line.trim()) return;
  let command;
  try {
    command = JSON.parse(line);
  } catch (e) {
    emit('error', { message: `bad command: ${e}` });
    return;
  }
  const run =
    command.op === 'join' ? join(command)
    : command.op === 'publish' ? publish(command)
    : command.op === 'quiet' ? quiet(command.id)
    : command.op === 'rejoin' ? rejoin(command.id)
    : command.op === 'leave' ? leave(command.id)
    : command.op === 'exit' ? exitAll()
    : command.op === 'sendText' ? sendText(command)
    : command.op === 'streamText' ? streamText(command)
    : command.op === 'sendData' ? sendData(command)
    : command.op === 'registerRpc' ? Promise.resolve().then(() => registerRpc(command))
    : command.op === 'performRpc' ? performRpc(command)
    : command.op === 'setAttributes' ? setAttributes(command)
    : command.op === 'play' ? play(command)
    : command.op === 'stopPlay' ? runNow(() => stopPlay(command))
    : command.op === 'record' ? runNow(() => record(command))
    : command.op === 'saveRecording' ? saveRecording(command)
    : command.op === 'stats' ? runNow(() => stats(command))
    : Promise.reject(new Error(`unknown op ${command.op}`));
  run.catch((e) => emit('error', { id: command.id, tag: command.tag, message: String(e?.message ?? e) }));
});
// The test JVM closing our stdin (or dying) ends the process too.
input.on('close', () => exitAll().catch(() => process.exit(1)));
emit('ready', { pid: process.pid });
