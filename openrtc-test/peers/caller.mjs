// A third-party LiveKit caller for OpenRTC-JVM's integration tests, built on LiveKit's own
// Node SDK (@livekit/rtc-node). One process drives any number of callers.
//
// Commands arrive as JSON lines on stdin (tokens travel here, never on the command line):
//   {"op":"join","id":"c1","url":"ws://198.18.0.1:20001","token":"<jwt>","toneHz":440}
//       joins, publishes a sine tone of toneHz (0 or absent: publishes nothing) as a microphone
//       track, and analyses every remote audio track it gets subscribed to
//   {"op":"publish","id":"c1","toneHz":440}
//       publishes a tone later (for example once the caller hears the agent, so that the SDK does
//       not negotiate its publication and its subscription at the same moment)
//   {"op":"quiet","id":"c1"}       stops its tone and its analysis but stays in the room (a caller
//                                  with audio both ways costs a tenth of a core; a quiet one little)
//   {"op":"rejoin","id":"c1"}      leaves and joins again on a fresh connection (listening anew)
//   {"op":"leave","id":"c1"}       leaves the room
//   {"op":"exit"}                  leaves every room and exits
// Data (LiveKit's text streams, data packets, RPC and attributes; "tag" echoes in the answer):
//   "join" may carry "textTopics":[...] and "byteTopics":[...]: the caller reads every text or
//   byte stream on those topics and reports it (text{...}, bytes{...})
//   {"op":"sendText","id":"c1","tag":"t1","topic":"lk.chat","text":"hi","attributes":{},"to":[]}
//       -> textSent{tag,streamId}
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
//   heard{participant,trackSid,hz,rms}  (every ~200 ms per remote track: dominant frequency of
//                                        the last 4096 samples, and their RMS in 16-bit units)
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
import { createInterface } from 'node:readline';

const SAMPLE_RATE = 48000;
// 50 ms per frame crossing into and out of the SDK: ten callers in one process stay cheap.
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

async function playTone(caller, hz) {
  // On a saturated machine the SDK's publication can time out, and a timed-out publication does
  // not recover on the same connection: then rejoin with a fresh connection and publish again.
  let source;
  let publication;
  for (let attempt = 1; ; attempt++) {
    source = new AudioSource(SAMPLE_RATE, 1, 4 * FRAME_MS);
    const track = LocalAudioTrack.createAudioTrack('tone', source);
    const options = new TrackPublishOptions();
    options.source = TrackSource.SOURCE_MICROPHONE;
    try {
      publication = await caller.room.localParticipant.publishTrack(track, options);
      break;
    } catch (e) {
      await source.close().catch(() => {});
      if (attempt >= 3 || caller.closed) throw e;
      emit('retry', { id: caller.id, message: `publish attempt ${attempt}: ${e?.message ?? e}; rejoining` });
      await caller.room.disconnect().catch(() => {});
      await connectRoom(caller);
    }
  }
  emit('published', { id: caller.id, trackSid: publication.sid });
  caller.source = source;
  caller.publication = publication;
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

async function listen(caller, track, participant) {
  const stream = new AudioStream(track, { sampleRate: SAMPLE_RATE, numChannels: 1, frameSizeMs: FRAME_MS });
  // The newest FFT_SIZE samples, kept in a circular buffer and unrolled when analysed.
  const ring = new Float64Array(FFT_SIZE);
  const window = new Float64Array(FFT_SIZE);
  let written = 0;
  let lastReport = 0;
  for await (const frame of stream) {
    if (caller.closed || !caller.listening) break;
    const data = frame.data;
    for (let i = 0; i < data.length; i++) {
      ring[written++ % FFT_SIZE] = data[i];
    }
    const now = Date.now();
    if (written >= FFT_SIZE && now - lastReport >= REPORT_EVERY_MS) {
      lastReport = now;
      for (let i = 0; i < FFT_SIZE; i++) {
        window[i] = ring[(written + i) % FFT_SIZE];
      }
      const { hz, rms } = dominantFrequency(window, frame.sampleRate);
      emit('heard', {
        id: caller.id,
        participant: participant.identity,
        trackSid: track.sid,
        hz: Math.round(hz * 10) / 10,
        rms: Math.round(rms),
      });
    }
  }
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
  };
  callers.set(id, caller);
  await connectRoom(caller);
  const room = caller.room;
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
  if (command.toneHz && command.toneHz > 0) {
    playTone(caller, command.toneHz).catch((e) => {
      if (!caller.closed) emit('error', { id, message: `tone: ${e}` });
    });
  }
}

async function publish(command) {
  const caller = callers.get(command.id);
  if (!caller) throw new Error(`no caller ${command.id}`);
  playTone(caller, command.toneHz).catch((e) => {
    if (!caller.closed) emit('error', { id: command.id, message: `tone: ${e}` });
  });
}

async function quiet(id) {
  const caller = callers.get(id);
  if (!caller) return;
  caller.listening = false;
  caller.toneOn = false;
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
    : Promise.reject(new Error(`unknown op ${command.op}`));
  run.catch((e) => emit('error', { id: command.id, tag: command.tag, message: String(e?.message ?? e) }));
});
// The test JVM closing our stdin (or dying) ends the process too.
input.on('close', () => exitAll().catch(() => process.exit(1)));
emit('ready', { pid: process.pid });
