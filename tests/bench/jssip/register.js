// One-shot registration with JsSIP, the reference peer of tests/bench/bench.py:
// connect over ws/wss, REGISTER (answering the digest challenge), un-REGISTER,
// exit.  Node 20 has no global WebSocket, so the `ws` package provides it.
// For wss with a private CA, start node with NODE_EXTRA_CA_CERTS=ca.pem.
//
//   JSSIP_PASSWORD=secret101 node register.js wss://localhost:PORT/ws 101 pbx.test
//
// Exit status: 0 registered and unregistered (both 2xx), 2 usage,
// 3 registration refused, 4 transport failure, 5 timeout.
'use strict';

globalThis.WebSocket = require('ws');
const JsSIP = require('jssip');

const [url, user, domain] = process.argv.slice(2);
if (!url || !user || !domain || process.env.JSSIP_PASSWORD === undefined) {
  console.error('usage: JSSIP_PASSWORD=... node register.js WS_URL USER DOMAIN');
  process.exit(2);
}

const TIMEOUT_MS = 10000;
const timer = setTimeout(() => fail(5, 'timeout'), TIMEOUT_MS);

function fail(code, why) {
  console.error(`jssip: ${why}`);
  process.exit(code);
}

const ua = new JsSIP.UA({
  sockets: [new JsSIP.WebSocketInterface(url)],
  uri: `sip:${user}@${domain}`,
  password: process.env.JSSIP_PASSWORD,
  register: true,
  register_expires: 300,
  user_agent: 'JsSIP',
  // One connection attempt: a benchmark run must fail, not retry quietly.
  connection_recovery_min_interval: 60,
  connection_recovery_max_interval: 60,
});

let registered = false;
ua.on('registered', () => {
  registered = true;
  ua.unregister();
});
ua.on('registrationFailed', (e) => fail(3, `registration failed: ${e.cause}`));
ua.on('unregistered', (e) => {
  if (!registered || !e.response || e.response.status_code >= 300) {
    fail(3, `unregister failed: ${e.cause}`);
  }
  clearTimeout(timer);
  // The binding is gone (200 OK); a script would stop here.  ua.stop() closes
  // the WebSocket; exit without waiting for JsSIP's transaction timers.
  ua.stop();
  process.exit(0);
});
ua.on('disconnected', (e) => {
  if (!registered) {
    fail(4, `transport failure: ${e.error ? 'error' : 'closed'} (${e.code || ''} ${e.reason || ''})`);
  }
});

ua.start();
