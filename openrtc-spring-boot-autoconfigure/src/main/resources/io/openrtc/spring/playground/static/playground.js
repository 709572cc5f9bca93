// The OpenRTC playground: joins a fresh room with LiveKit's JS client (bundled beside this
// file, no CDN), with a token the application minted server-side, and shows what the agent
// does. Plain JavaScript, no build step. window.openrtcPlayground holds what the page saw, for
// people in the console and for the browser test.
(() => {
  'use strict';
  const BASE = '/openrtc/playground';
  const $ = (id) => document.getElementById(id);
  const seen = {
    connection: 'not connected', room: null, agentIdentity: null, agentState: null,
    transcripts: [], chat: [], rpc: [], events: [], sessions: {},
    agentAudio: { frames: 0, loudFrames: 0, peakRms: 0, dominantHz: 0, toneFrames: 0 },
    micAudio: { peakRms: 0 },
  };
  window.openrtcPlayground = seen;

  const el = (tag, text, cls) => {
    const e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  };
  const time = (iso) => (iso ? new Date(iso).toLocaleTimeString() : '');

  // ---- the live session panel (both pages) ----
  function openPanel() {
    if (!$('sessions')) return;
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const socket = new WebSocket(`${proto}//${location.host}${BASE}/events`);
    socket.onopen = () => { $('panel-status').textContent = 'live'; };
    socket.onclose = () => {
      $('panel-status').textContent = 'disconnected; retrying';
      setTimeout(openPanel, 2000);
    };
    socket.onmessage = (message) => onPanelEvent(JSON.parse(message.data));
  }

  function onPanelEvent(e) {
    seen.events.push(e);
    switch (e.type) {
      case 'snapshot':
        $('worker').textContent = e.worker;
        $('draining').textContent = e.draining ? 'yes' : 'no';
        for (const s of e.sessions) upsertSession(s.jobId, { ...s, outcome: 'running' });
        break;
      case 'session-started':
        upsertSession(e.jobId, { ...e, outcome: 'running' });
        break;
      case 'session-ended':
        upsertSession(e.jobId, { ...e, outcome: e.outcome, duration: (e.durationMs / 1000).toFixed(1) + ' s' });
        break;
      case 'turn': {
        const parts = [`response ${e.responseMs ?? '-'}`];
        if (e.transcriptionMs != null) parts.push(`stt ${e.transcriptionMs}`);
        if (e.llmFirstTokenMs != null) parts.push(`llm ${e.llmFirstTokenMs}`);
        if (e.ttsFirstByteMs != null) parts.push(`tts ${e.ttsFirstByteMs}`);
        upsertSession(e.jobId, { ...e, lastTurn: parts.join(' · ') + (e.typed ? ' (typed)' : '') });
        break;
      }
      case 'drain-started': $('draining').textContent = `yes (${e.reason})`; break;
      case 'drain-finished': $('draining').textContent = `done: ${e.completed} ended, ${e.cancelled} cancelled`; break;
      case 'worker-registered': $('worker').textContent = `CONNECTED (${e.workerId})`; break;
      case 'worker-disconnected': $('worker').textContent = `DISCONNECTED: ${e.error}`; break;
      default: break;
    }
  }

  function upsertSession(jobId, update) {
    const s = (seen.sessions[jobId] = { ...(seen.sessions[jobId] || {}), ...update });
    if (update.type === 'turn') s.outcome = seen.sessions[jobId].outcome || 'running';
    let row = document.querySelector(`tr[data-job="${CSS.escape(jobId)}"]`);
    if (!row) {
      row = el('tr');
      row.dataset.job = jobId;
      for (let i = 0; i < 6; i++) row.appendChild(el('td'));
      $('sessions').prepend(row);
    }
    const cells = row.children;
    cells[0].textContent = time(s.startedAt);
    cells[1].textContent = s.agent || '';
    cells[2].textContent = s.room || '';
    cells[3].textContent = s.outcome + (s.detail ? `: ${s.detail}` : '');
    cells[3].className = s.outcome;
    cells[4].textContent = s.duration || '';
    cells[5].textContent = s.lastTurn || '';
    row.dataset.outcome = s.outcome;
    $('active').textContent = Object.values(seen.sessions).filter((x) => x.outcome === 'running').length;
  }

  // ---- the call (playground page only) ----
  let room = null;
  let connection = null;
  let audioContext = null;

  function setConnection(text) {
    seen.connection = text;
    $('connection').textContent = text;
  }

  function showError(text) {
    $('error').hidden = !text;
    $('error').textContent = text || '';
  }

  async function loadAgents() {
    const response = await fetch(`${BASE}/agents`);
    const body = await response.json();
    const select = $('agent');
    for (const a of body.agents) {
      const option = el('option', a.description ? `${a.name} — ${a.description}` : a.name);
      option.value = a.name;
      select.appendChild(option);
    }
    const wanted = new URLSearchParams(location.search).get('agent');
    if (wanted) select.value = wanted;
    if (!body.sessionPanel) $('panel-status').textContent = 'unavailable (no WebSocket support in this application)';
  }

  function meter(track, target, onFrame) {
    const source = audioContext.createMediaStreamSource(new MediaStream([track]));
    const analyser = audioContext.createAnalyser();
    analyser.fftSize = 2048;
    source.connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    const spectrum = new Float32Array(analyser.frequencyBinCount);
    const timer = setInterval(() => {
      if (track.readyState === 'ended') { clearInterval(timer); return; }
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const v of samples) sum += v * v;
      const rms = Math.sqrt(sum / samples.length);
      analyser.getFloatFrequencyData(spectrum);
      let best = 0;
      for (let i = 1; i < spectrum.length; i++) if (spectrum[i] > spectrum[best]) best = i;
      const hz = (best * audioContext.sampleRate) / analyser.fftSize;
      target.value = rms;
      onFrame(rms, hz);
    }, 50);
  }

  function onAgentAudio(rms, hz) {
    const a = seen.agentAudio;
    a.frames++;
    a.peakRms = Math.max(a.peakRms, rms);
    if (rms > 0.01) {
      a.loudFrames++;
      a.dominantHz = Math.round(hz);
      $('agent-hz').textContent = `${Math.round(hz)} Hz`;
    }
  }

  function addTranscript(id, who, text, final) {
    let item = document.querySelector(`#transcript li[data-id="${CSS.escape(id)}"]`);
    if (!item) {
      item = el('li');
      item.dataset.id = id;
      item.appendChild(el('span', who, 'who'));
      item.appendChild(el('span'));
      $('transcript').appendChild(item);
    }
    item.children[1].textContent = text;
    item.className = final ? '' : 'interim';
    const entry = seen.transcripts.find((t) => t.id === id);
    if (entry) Object.assign(entry, { text, final });
    else seen.transcripts.push({ id, who, text, final });
    $('transcript').scrollTop = $('transcript').scrollHeight;
  }

  function addChat(who, text) {
    seen.chat.push({ who, text });
    const item = el('li');
    item.appendChild(el('span', who, 'who'));
    item.appendChild(el('span', text));
    $('chat').appendChild(item);
    $('chat').scrollTop = $('chat').scrollHeight;
  }

  function isAgent(participant) {
    return participant && (participant.isAgent || participant.kind === LivekitClient.ParticipantKind.AGENT);
  }

  function watchAgent(participant) {
    if (!isAgent(participant)) return;
    seen.agentIdentity = participant.identity;
    const state = participant.attributes['lk.agent.state'];
    if (state) {
      seen.agentState = state;
      $('agent-state').textContent = state;
      $('agent-state').className = `state ${state}`;
    }
  }

  async function connect() {
    showError('');
    $('connect').disabled = true;
    setConnection('requesting a room…');
    audioContext = audioContext || new AudioContext();
    await audioContext.resume();
    const response = await fetch(`${BASE}/connect`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ agent: $('agent').value }),
    });
    const body = await response.json();
    if (!response.ok) {
      setConnection('not connected');
      showError(body.error || `HTTP ${response.status}`);
      $('connect').disabled = false;
      return;
    }
    connection = body;
    seen.room = body.room;
    $('room').textContent = body.room;
    const { Room, RoomEvent, Track } = LivekitClient;
    room = new Room({ adaptiveStream: false, dynacast: false });
    room.on(RoomEvent.TrackSubscribed, (track, publication, participant) => {
      if (track.kind !== Track.Kind.Audio) return;
      const element = track.attach();
      $('audio').appendChild(element);
      meter(track.mediaStreamTrack, $('agent-level'), onAgentAudio);
    });
    room.on(RoomEvent.ParticipantConnected, watchAgent);
    room.on(RoomEvent.ParticipantAttributesChanged, (changed, participant) => watchAgent(participant));
    room.on(RoomEvent.Disconnected, () => {
      setConnection('not connected');
      $('connect').disabled = false;
      $('disconnect').disabled = true;
      setCallControls(false);
    });
    room.registerTextStreamHandler('lk.transcription', async (reader, participant) => {
      const info = reader.info;
      const attributes = info.attributes || {};
      const id = attributes['lk.segment_id'] || info.id;
      const trackId = attributes['lk.transcribed_track_id'];
      const mine = [...room.localParticipant.trackPublications.values()].some((p) => p.trackSid === trackId);
      const who = mine ? 'you' : 'agent';
      let text = '';
      for await (const chunk of reader) {
        text += chunk;
        addTranscript(id, who, text, false);
      }
      addTranscript(id, who, text, attributes['lk.transcription_final'] !== 'false');
    });
    room.registerTextStreamHandler('lk.chat', async (reader, participant) => {
      const text = await reader.readAll();
      addChat(participant.identity === seen.agentIdentity || participant.identity.startsWith('agent') ? 'agent' : participant.identity, text);
    });
    try {
      setConnection('joining…');
      await room.connect(body.url, body.token);
      for (const p of room.remoteParticipants.values()) watchAgent(p);
      setConnection('connected');
      $('disconnect').disabled = false;
      setCallControls(true);
      await room.localParticipant.setMicrophoneEnabled(true);
      const mic = room.localParticipant.getTrackPublication(Track.Source.Microphone);
      if (mic && mic.track) {
        meter(mic.track.mediaStreamTrack, $('mic-level'), (rms) => { seen.micAudio.peakRms = Math.max(seen.micAudio.peakRms, rms); });
      }
      setConnection('connected, microphone on');
    } catch (error) {
      showError(`Could not join: ${error.message || error}`);
      setConnection('not connected');
      $('connect').disabled = false;
    }
  }

  async function disconnect() {
    $('disconnect').disabled = true;
    if (room) await room.disconnect();
    if (connection) {
      await fetch(`${BASE}/disconnect`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ room: connection.room }),
      });
    }
    room = null;
    connection = null;
    setConnection('not connected');
  }

  function setCallControls(enabled) {
    for (const id of ['chat-input', 'chat-send', 'rpc-method', 'rpc-payload', 'rpc-call']) $(id).disabled = !enabled;
  }

  async function callRpc(event) {
    event.preventDefault();
    const method = $('rpc-method').value.trim();
    if (!method || !room || !seen.agentIdentity) return;
    const payload = $('rpc-payload').value;
    const item = el('li');
    item.appendChild(el('span', method, 'who'));
    const result = el('span', '…');
    item.appendChild(result);
    $('rpc').appendChild(item);
    const entry = { method, payload };
    seen.rpc.push(entry);
    try {
      entry.response = await room.localParticipant.performRpc({ destinationIdentity: seen.agentIdentity, method, payload });
      result.textContent = entry.response === '' ? '(empty response)' : entry.response;
    } catch (error) {
      entry.error = `${error.code ?? ''} ${error.message || error}`.trim();
      result.textContent = `error: ${entry.error}`;
      result.className = 'error';
    }
  }

  async function sendChat(event) {
    event.preventDefault();
    const text = $('chat-input').value.trim();
    if (!text || !room) return;
    $('chat-input').value = '';
    addChat('you', text);
    await room.localParticipant.sendText(text, { topic: 'lk.chat' });
  }

  openPanel();
  if (document.body.dataset.page === 'playground') {
    $('connect').addEventListener('click', () => connect().catch((e) => { showError(String(e)); $('connect').disabled = false; }));
    $('disconnect').addEventListener('click', () => disconnect().catch((e) => showError(String(e))));
    $('chat-form').addEventListener('submit', (e) => sendChat(e).catch((err) => showError(String(err))));
    $('rpc-form').addEventListener('submit', (e) => callRpc(e).catch((err) => showError(String(err))));
    loadAgents().catch((e) => showError(`Could not list the agents: ${e}`));
  }
})();
