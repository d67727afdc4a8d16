// A small JsSIP softphone for the test page (phone.html). esbuild bundles it
// with JsSIP into build/phone.js; the driver (controller.js, browser_peer.py)
// calls the functions on window.phone through puppeteer and polls state().
// Everything the tests assert on is here: the SDP each call sent and
// received, how it ended, and what the remote track sounded like.

import * as JsSIP from 'jssip';

const calls = [];        // every call of this page, oldest first
let ua = null;
let registration = { state: 'none', cause: null };
let answerArmed = 0;     // answer this many of the next incoming calls
const hooked = new WeakSet();

function now() {
  return Math.round(performance.now());
}

function record(session, direction) {
  const call = {
    index: calls.length, direction, status: 'new', started_ms: now(),
    local_sdp: null, remote_sdp: null, originator: null, cause: null, status_code: null,
    reason: null, ice_state: null, connection_state: null, confirmed_ms: null, ended_ms: null,
    // performance.now() just before ua.call() (outgoing calls), and when the
    // RTCPeerConnection first reported ICE connected and connected (ICE + DTLS)
    dial_ms: null, ice_connected_ms: null, connected_ms: null,
    session, remote_stream: null, analyser: null,
  };
  calls.push(call);
  session.on('sdp', (e) => {
    if (e.originator === 'local') call.local_sdp = e.sdp;
    else call.remote_sdp = e.sdp;
  });
  session.on('progress', () => { if (call.status === 'new') call.status = 'progress'; });
  session.on('accepted', () => { call.status = 'accepted'; });
  session.on('confirmed', () => { call.status = 'confirmed'; call.confirmed_ms = now(); });
  const finish = (status) => (e) => {
    call.status = status;
    call.ended_ms = now();
    call.originator = e.originator;
    call.cause = e.cause;
    if (e.message && e.message.status_code) {
      call.status_code = e.message.status_code;
      call.reason = e.message.reason_phrase || null;
    }
  };
  session.on('ended', finish('ended'));
  session.on('failed', finish('failed'));
  session.on('peerconnection', (e) => hookConnection(call, e.peerconnection));
  if (session.connection) hookConnection(call, session.connection);
  return call;
}

function hookConnection(call, pc) {
  if (hooked.has(pc)) return;
  hooked.add(pc);
  call.pc = pc;
  pc.addEventListener('iceconnectionstatechange', () => {
    call.ice_state = pc.iceConnectionState;
    if (call.ice_connected_ms === null && (call.ice_state === 'connected' || call.ice_state === 'completed')) {
      call.ice_connected_ms = performance.now();
    }
  });
  pc.addEventListener('connectionstatechange', () => {
    call.connection_state = pc.connectionState;
    if (call.connected_ms === null && call.connection_state === 'connected') call.connected_ms = performance.now();
  });
  pc.addEventListener('track', (e) => {
    if (e.track.kind !== 'audio') return;
    const stream = e.streams[0] || new MediaStream([e.track]);
    call.remote_stream = stream;
    // Chromium feeds a remote WebRTC track into WebAudio only while a media
    // element plays it too (the element is muted: we listen with the analyser).
    const el = new Audio();
    el.muted = true;
    el.srcObject = stream;
    el.play().catch(() => {});
    call.audio_element = el;
    const ctx = audioContext();
    const analyser = ctx.createAnalyser();
    analyser.fftSize = 8192;
    analyser.smoothingTimeConstant = 0;
    ctx.createMediaStreamSource(stream).connect(analyser);
    call.analyser = analyser;
  });
}

let ctxSingleton = null;
function audioContext() {
  if (!ctxSingleton) ctxSingleton = new AudioContext();
  if (ctxSingleton.state !== 'running') ctxSingleton.resume().catch(() => {});
  return ctxSingleton;
}

function current(index) {
  const call = index === undefined || index === null ? calls[calls.length - 1] : calls[index];
  if (!call) throw new Error('no call' + (index === undefined || index === null ? ' yet' : ' ' + index));
  return call;
}

const mediaOptions = () => ({
  mediaConstraints: { audio: true, video: false },
  // no STUN/TURN: host candidates only, so ICE stays inside the namespace
  pcConfig: { iceServers: [] },
});

function answerIfArmed(call) {
  if (answerArmed > 0 && call.direction === 'incoming' && call.status === 'new') {
    answerArmed -= 1;
    call.status = 'answering';
    call.session.answer(mediaOptions());
  }
}

// -- the API the driver calls ------------------------------------------------

// Registers account {wss, uri, password, user?, display?}; resolves when the
// registrar accepted it, rejects with JsSIP's cause when it did not.
function register(account) {
  if (ua) throw new Error('already registered');
  const socket = new JsSIP.WebSocketInterface(account.wss);
  ua = new JsSIP.UA({
    sockets: [socket], uri: account.uri, password: account.password,
    authorization_user: account.user || undefined, display_name: account.display || undefined,
    register: true, session_timers: false, user_agent: 'sip-call-tests JsSIP ' + JsSIP.version,
  });
  ua.on('newRTCSession', (e) => {
    if (e.originator !== 'remote') return;
    answerIfArmed(record(e.session, 'incoming'));
  });
  return new Promise((resolve, reject) => {
    ua.on('registered', () => { registration = { state: 'registered', cause: null }; resolve(registration); });
    ua.on('registrationFailed', (e) => {
      registration = { state: 'failed', cause: e.cause };
      reject(new Error('registration failed: ' + e.cause));
    });
    ua.start();
  });
}

// Starts a call to target (a SIP URI); returns its index at once.
function call(target) {
  if (!ua) throw new Error('not registered');
  const dialMs = performance.now();
  const session = ua.call(target, mediaOptions());
  const c = calls.find((x) => x.session === session) || record(session, 'outgoing');
  c.dial_ms = dialMs;
  return c.index;
}

// Answers the next incoming call (one that rings now, else the next to come).
function answerNext() {
  answerArmed += 1;
  const waiting = calls.find((c) => c.direction === 'incoming' && c.status === 'new');
  if (waiting) answerIfArmed(waiting);
  return answerArmed;
}

function hangup(index) {
  const c = current(index);
  if (c.status !== 'ended' && c.status !== 'failed') c.session.terminate();
  return c.index;
}

function describe(c) {
  const out = {};
  for (const k of ['index', 'direction', 'status', 'started_ms', 'confirmed_ms', 'ended_ms', 'originator',
    'cause', 'status_code', 'reason', 'ice_state', 'connection_state', 'dial_ms', 'ice_connected_ms',
    'connected_ms', 'local_sdp', 'remote_sdp']) out[k] = c[k];
  out.has_remote_audio = !!c.analyser;
  return out;
}

function state() {
  return { registration, calls: calls.map(describe), audio_context: ctxSingleton ? ctxSingleton.state : null };
}

// What the remote track of call `index` (default: the last) sounds like over
// windowMs: the dominant frequency (peak FFT bin, interpolated), the signal
// level (dBFS of the mean square) and the share of the power within 3 bins
// of the peak (near 1 for a pure tone, small for noise or speech).
function heard(windowMs = 1000, index = null) {
  const c = current(index);
  if (!c.analyser) throw new Error('call ' + c.index + ' has no remote audio track');
  const a = c.analyser;
  const sampleRate = a.context.sampleRate;
  const bins = new Float32Array(a.frequencyBinCount);
  const power = new Float64Array(a.frequencyBinCount);
  const wave = new Float32Array(a.fftSize);
  let squares = 0, samples = 0, frames = 0;
  return new Promise((resolve) => {
    const take = () => {
      a.getFloatFrequencyData(bins);
      for (let i = 0; i < bins.length; i++) power[i] += Number.isFinite(bins[i]) ? Math.pow(10, bins[i] / 10) : 0;
      a.getFloatTimeDomainData(wave);
      for (let i = 0; i < wave.length; i++) squares += wave[i] * wave[i];
      samples += wave.length;
      frames += 1;
    };
    const timer = setInterval(take, 50);
    setTimeout(() => {
      clearInterval(timer);
      take();
      let peak = 1;  // bin 0 is DC
      let total = 0;
      for (let i = 1; i < power.length; i++) {
        total += power[i];
        if (power[i] > power[peak]) peak = i;
      }
      let near = 0;
      for (let i = Math.max(1, peak - 3); i <= Math.min(power.length - 1, peak + 3); i++) near += power[i];
      // parabolic interpolation of the peak on the log spectrum
      let offset = 0;
      if (peak > 1 && peak < power.length - 1 && power[peak] > 0) {
        const l = Math.log(power[peak - 1] || 1e-30), m = Math.log(power[peak]), r = Math.log(power[peak + 1] || 1e-30);
        const d = l - 2 * m + r;
        if (d < 0) offset = 0.5 * (l - r) / d;
      }
      const meanSquare = samples ? squares / samples : 0;
      resolve({
        frequency_hz: Math.round((peak + offset) * sampleRate / a.fftSize * 10) / 10,
        level_dbfs: meanSquare > 0 ? Math.round(10 * Math.log10(meanSquare) * 10) / 10 : -Infinity,
        rms: Math.sqrt(meanSquare),
        tone_share: total > 0 ? near / total : 0,
        window_ms: windowMs, frames, sample_rate: sampleRate,
      });
    }, windowMs);
  });
}

// The call's selected ICE candidate pair (from getStats), or null before ICE
// has one: {local: {type, address, port, protocol}, remote: {...}}.
async function icePair(index = null) {
  const c = current(index);
  if (!c.pc) return null;
  const stats = await c.pc.getStats();
  let pair = null;
  stats.forEach((s) => {
    if (s.type === 'transport' && s.selectedCandidatePairId) pair = stats.get(s.selectedCandidatePairId);
  });
  if (!pair) return null;
  const cand = (id) => {
    const s = stats.get(id);
    return s ? { type: s.candidateType, address: s.address || s.ip, port: s.port, protocol: s.protocol } : null;
  };
  return { local: cand(pair.localCandidateId), remote: cand(pair.remoteCandidateId), state: pair.state };
}

function stop() {
  for (const c of calls) {
    if (c.status !== 'ended' && c.status !== 'failed') {
      try { c.session.terminate(); } catch (e) { /* already gone */ }
    }
  }
  if (ua) ua.stop();
  return true;
}

JsSIP.debug.disable('JsSIP:*');
window.phone = { register, call, answerNext, hangup, state, heard, icePair, stop, version: JsSIP.version };
