// A hostile LiveKit participant for OpenRTC-JVM's reliability scenario (issue 18, scenario 6),
// built on LiveKit's own Node SDK (@livekit/rtc-node): everything it sends is what a real
// third-party client can send through the SDK's public API. What the SDK cannot produce (a
// malformed stream header, chunks out of order, trailers for unknown streams, bytes that are no
// DataPacket) is fuzzed in-process instead (DataPacketFuzzTest).
//
// Commands arrive as JSON lines on stdin (tokens travel here, never on the command line):
//   {"op":"join","id":"h1","url":"ws://...","token":"<jwt>"}                 -> joined{room,identity}
//   {"op":"exit"}                                                               leaves and exits
// Abuse, each answered with done{tag,...} (or error{tag,message}):
//   {"op":"flood","id":"h1","tag":"f","count":2000,"bytes":14000,"topic":"x","reliable":true}
//       publishes count data packets of bytes random bytes, 16 in flight -> done{tag,sent,failed,ms};
//       "to":["identity"] sends them to those participants only (every abuse but RPC takes "to")
//   {"op":"neverEnding","id":"h1","tag":"n","count":300,"topic":"lk.chat"}
//       opens count text streams, writes one part into each and never closes them -> done{tag,opened}
//   {"op":"reusedIds","id":"h1","tag":"r","count":50,"topic":"x"}
//       opens count pairs of text streams sharing one stream id (a second header for an open
//       stream), writes and closes both -> done{tag,pairs,failed}
//   {"op":"oversize","id":"h1","tag":"o","bytes":3000000,"topic":"x"}
//       one byte stream of bytes bytes (its totalSize declared honestly), closed -> done{tag,bytes}
//   {"op":"wrongSize","id":"h1","tag":"w","declared":10,"bytes":100000,"topic":"x"}
//       a byte stream that declares totalSize `declared` and sends `bytes` -> done{tag}
//   {"op":"hugeHeader","id":"h1","tag":"h","attrBytes":12000,"topic":"x"}
//       a text stream whose header carries an attribute of attrBytes characters -> done{tag,ok,message}
//   {"op":"hugeAttributes","id":"h1","tag":"a","keys":64,"valueBytes":4096}
//       sets keys participant attributes of valueBytes characters each -> done{tag,ok,message}
//   {"op":"hugeMetadata","id":"h1","tag":"m","bytes":60000}                     -> done{tag,ok,message}
//   {"op":"rpcFlood","id":"h1","tag":"p","to":"agent-..","count":500,"method":"ping","payloadBytes":100,"timeoutMs":8000}
//       count RPC calls at once -> done{tag,ok,errors:{code:count},ms}
import { Room, dispose } from '@livekit/rtc-node';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';

const rooms = new Map();

function emit(event, fields = {}) {
  process.stdout.write(JSON.stringify({ event, tMs: Date.now(), ...fields }) + '\n');
}

function roomOf(command) {
  const room = rooms.get(command.id);
  if (!room) throw new Error(`no participant ${command.id}`);
  return room;
}

async function join(command) {
  const room = new Room();
  await room.connect(command.url, command.token, { autoSubscribe: false, dynacast: false });
  rooms.set(command.id, room);
  room.on('disconnected', (reason) => emit('disconnected', { id: command.id, reason: String(reason) }));
  emit('joined', { id: command.id, room: room.name, identity: room.localParticipant.identity });
}

async function flood(command) {
  const participant = roomOf(command).localParticipant;
  const started = Date.now();
  let sent = 0;
  let failed = 0;
  let next = 0;
  // 16 publications in flight: the SDK's own queue sets the pace, the hostile peer never waits for us.
  const worker = async () => {
    while (next < command.count) {
      next++;
      try {
        await participant.publishData(randomBytes(command.bytes), {
          reliable: command.reliable ?? true, topic: command.topic, destination_identities: command.to ?? [],
        });
        sent++;
      } catch (e) {
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return { sent, failed, ms: Date.now() - started };
}

async function neverEnding(command) {
  const participant = roomOf(command).localParticipant;
  const room = roomOf(command);
  room.hostileWriters = room.hostileWriters ?? [];
  for (let i = 0; i < command.count; i++) {
    const writer = await participant.streamText({
      topic: command.topic, attributes: { n: String(i) }, destinationIdentities: command.to ?? [],
    });
    await writer.write(`part of a stream that never ends #${i}`);
    room.hostileWriters.push(writer); // kept open until the peer leaves
  }
  return { opened: command.count };
}

async function reusedIds(command) {
  const participant = roomOf(command).localParticipant;
  let failed = 0;
  for (let i = 0; i < command.count; i++) {
    const streamId = `reused-${Date.now()}-${i}`;
    try {
      const first = await participant.streamText({ topic: command.topic, streamId, destinationIdentities: command.to ?? [] });
      const second = await participant.streamText({ topic: command.topic, streamId, destinationIdentities: command.to ?? [] });
      await first.write('first');
      await second.write('second');
      await first.close();
      await second.close();
    } catch (e) {
      failed++;
    }
  }
  return { pairs: command.count, failed };
}

async function byteStream(command, declared, bytes) {
  const participant = roomOf(command).localParticipant;
  const writer = await participant.streamBytes({
    topic: command.topic, name: 'blob.bin', mimeType: 'application/octet-stream', totalSize: declared,
    destinationIdentities: command.to ?? [],
  });
  const piece = 64 * 1024;
  for (let written = 0; written < bytes; written += piece) {
    await writer.write(randomBytes(Math.min(piece, bytes - written)));
  }
  await writer.close();
  return { bytes, declared };
}

async function outcome(fn) {
  try {
    await fn();
    return { ok: true, message: '' };
  } catch (e) {
    return { ok: false, message: String(e?.message ?? e).slice(0, 200) };
  }
}

async function rpcFlood(command) {
  const participant = roomOf(command).localParticipant;
  const payload = 'p'.repeat(command.payloadBytes ?? 10);
  const started = Date.now();
  const errors = {};
  let ok = 0;
  await Promise.all(Array.from({ length: command.count }, () =>
    participant.performRpc({ destinationIdentity: command.to, method: command.method, payload, responseTimeout: command.timeoutMs ?? 8000 })
      .then(() => { ok++; })
      .catch((e) => { const code = String(e?.code ?? -1); errors[code] = (errors[code] ?? 0) + 1; })));
  return { ok, errors, ms: Date.now() - started };
}

async function exitAll() {
  for (const room of rooms.values()) {
    await room.disconnect().catch(() => {});
  }
  await dispose();
  process.exit(0);
}

const ops = {
  join,
  flood,
  neverEnding,
  reusedIds,
  oversize: (c) => byteStream(c, c.bytes, c.bytes),
  wrongSize: (c) => byteStream(c, c.declared, c.bytes),
  hugeHeader: (c) => outcome(() => roomOf(c).localParticipant.sendText('x', {
    topic: c.topic, attributes: { big: 'a'.repeat(c.attrBytes) }, destinationIdentities: c.to ?? [],
  })),
  hugeAttributes: (c) => outcome(() => {
    const attributes = {};
    for (let i = 0; i < c.keys; i++) attributes[`k${i}`] = 'v'.repeat(c.valueBytes);
    return roomOf(c).localParticipant.setAttributes(attributes);
  }),
  hugeMetadata: (c) => outcome(() => roomOf(c).localParticipant.updateMetadata('m'.repeat(c.bytes))),
  rpcFlood,
};

createInterface({ input: process.stdin }).on('line', (line) => {
  if (!line.trim()) return;
  let command;
  try {
    command = JSON.parse(line);
  } catch (e) {
    emit('error', { message: `bad command: ${e}` });
    return;
  }
  if (command.op === 'exit') {
    exitAll();
    return;
  }
  const op = ops[command.op];
  if (!op) {
    emit('error', { id: command.id, tag: command.tag, message: `unknown op ${command.op}` });
    return;
  }
  Promise.resolve()
    .then(() => op(command))
    .then((result) => { if (command.op !== 'join') emit('done', { id: command.id, tag: command.tag, ...result }); })
    .catch((e) => emit('error', { id: command.id, tag: command.tag, message: String(e?.message ?? e) }));
});
emit('ready');
