#!/usr/bin/env node
// Lab double: a tiny stand-in for dockercoins' webui, reachable on the NodePort
// that the kubectl double reports for the webui service.
//
//   node webui-server.mjs STATE_DIR [PORT [AVOID_PORT...]]
//
// Listens on 127.0.0.1. It tries PORT first (default: the port recorded in
// STATE_DIR/webui.port by a previous run, else 30000). When that port is taken
// it tries the next ones, wrapping within the NodePort range 30000-32767 and
// skipping the AVOID_PORTs (NodePorts already reported for other services).
// Once listening it writes the port to STATE_DIR/webui.port and its pid to
// STATE_DIR/webui.pid.
//
// Routes (like the real webui, an Express app):
//   GET /       -> the HTML page (title "DockerCoin Miner WebUI")
//   GET /index.html, /index.htm -> the same page
//   GET /json   -> {"hashrate": H, "coins": C}  (hashes/second, coins mined so far)
//
// The numbers follow the kubectl double's state: the worker mines only while
// its deployment exists and redis, rng and hasher are exposed, at ~4 hashes/s
// per worker replica; one hash in 16 is a coin.
//
// Bounded lifetime: exits on SIGTERM/SIGINT, when its stdin is a pipe and that
// pipe closes (its parent went away), when STATE_DIR disappears, and in any case
// after LAB_WEBUI_LIFETIME_MS (else LAB_REGISTRY_LIFETIME_MS, default 10 minutes).
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { boundLifetime } from './server-lifetime.mjs';
import { readiness } from './readiness.mjs';

const NODEPORT_MIN = 30000;
const NODEPORT_MAX = 32767;

const stateDir = process.argv[2];
if (!stateDir) {
  process.stderr.write('usage: node webui-server.mjs STATE_DIR [PORT [AVOID_PORT...]]\n');
  process.exit(2);
}
fs.mkdirSync(stateDir, { recursive: true });

const portFile = path.join(stateDir, 'webui.port');
const pidFile = path.join(stateDir, 'webui.pid');

function lifetimeFrom(...names) {
  for (const n of names) {
    const v = Number(process.env[n]);
    if (v > 0) return v;
  }
  return 10 * 60 * 1000;
}
const lifetimeMs = lifetimeFrom('LAB_WEBUI_LIFETIME_MS', 'LAB_REGISTRY_LIFETIME_MS');
// Not ready (503) for LAB_WEBUI_READY_MS after it starts: default 0, a test sets it to see a
// NodePort that takes a moment to answer.
const isReady = readiness('LAB_WEBUI_READY_MS', 0);

function inRange(n) {
  return Number.isInteger(n) && n >= NODEPORT_MIN && n <= NODEPORT_MAX;
}

let preferred = Number(process.argv[3]);
if (!inRange(preferred)) {
  preferred = 0;
  try {
    const n = Number(fs.readFileSync(portFile, 'utf8').trim());
    if (inRange(n)) preferred = n;
  } catch {
    // first start
  }
  if (!preferred) preferred = NODEPORT_MIN;
}
const avoid = new Set(process.argv.slice(4).map(Number).filter(inRange));

function writeAtomic(file, text) {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

// ---------------------------------------------------------------- mining model
function readLines(file) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n');
  } catch {
    return null;
  }
}

/** Worker replicas that can mine right now (0 while a dependency is missing). */
function miningWorkers() {
  const worker = readLines(path.join(stateDir, 'deployments', 'worker'));
  if (!worker) return 0;
  for (const dep of ['redis', 'rng', 'hasher']) {
    if (!fs.existsSync(path.join(stateDir, 'services', dep))) return 0;
  }
  const replicas = Number(worker[1]);
  return Number.isInteger(replicas) && replicas >= 0 ? replicas : 1;
}

let hashes = 0;
let lastSample = Date.now();
function sample() {
  const now = Date.now();
  const workers = miningWorkers();
  // ~4 hashes/s per worker, with a small wobble; it stops growing past 10 workers
  // (rng becomes the bottleneck, as in the workshop).
  const wobble = 0.15 * Math.sin(now / 1700);
  const rate = workers > 0 ? Math.min(workers, 10) * (4 + wobble) : 0;
  hashes += (rate * (now - lastSample)) / 1000;
  lastSample = now;
  return { hashrate: Math.round(rate * 100) / 100, coins: Math.floor(hashes / 16) };
}

function page(s) {
  return `<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>DockerCoin Miner WebUI</title>
<style>
body { font-family: sans-serif; margin: 2em; }
#graph { width: 600px; height: 200px; border: 1px solid #ccc; }
#tweet { margin-top: 1em; font-size: 1.4em; }
</style>
</head>
<body>
<h1>DockerCoin Miner WebUI</h1>
<div id="graph"></div>
<div id="tweet">Current mining speed: <span id="speed">${s.hashrate.toFixed(1)}</span> hashes/second
(<span id="coins">${s.coins}</span> DockerCoins mined so far)</div>
<script>
function refresh() {
  fetch('json').then(function (r) { return r.json(); }).then(function (d) {
    document.getElementById('speed').textContent = d.hashrate.toFixed(1);
    document.getElementById('coins').textContent = d.coins;
  }).catch(function () {});
}
setInterval(refresh, 1000);
</script>
</body>
</html>
`;
}

function send(res, status, type, body) {
  res.writeHead(status, {
    'X-Powered-By': 'Express',
    'Content-Type': `${type}; charset=utf-8`,
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://webui.invalid');
  const p = url.pathname;
  const method = req.method ?? 'GET';
  if (!isReady()) {
    send(res, 503, 'text/html', '<pre>Service Unavailable</pre>\n');
    return;
  }
  if (method !== 'GET' && method !== 'HEAD') {
    send(res, 404, 'text/html', `<pre>Cannot ${method} ${p}</pre>\n`);
    return;
  }
  if (p === '/' || p === '/index.html' || p === '/index.htm') {
    send(res, 200, 'text/html', page(sample()));
    return;
  }
  if (p === '/json') {
    const s = sample();
    send(res, 200, 'application/json', JSON.stringify({ hashrate: s.hashrate, coins: s.coins }));
    return;
  }
  send(res, 404, 'text/html', `<pre>Cannot GET ${p}</pre>\n`);
});

boundLifetime(server, { pidFile, stateDir, lifetimeMs });

// ---------------------------------------------------------------- listen
const span = NODEPORT_MAX - NODEPORT_MIN + 1;
function nextPort(p) {
  return p >= NODEPORT_MAX ? NODEPORT_MIN : p + 1;
}

let tried = 0;
function listen(port) {
  while (avoid.has(port) && tried < span) {
    port = nextPort(port);
    tried++;
  }
  if (tried >= span) {
    process.stderr.write(`webui-server: no free port in ${NODEPORT_MIN}-${NODEPORT_MAX}\n`);
    process.exit(1);
  }
  tried++;
  server.once('error', (err) => {
    if (err && (err.code === 'EADDRINUSE' || err.code === 'EACCES')) {
      listen(nextPort(port));
      return;
    }
    process.stderr.write(`webui-server: ${err?.message ?? err}\n`);
    process.exit(1);
  });
  server.listen(port, '127.0.0.1', () => {
    server.removeAllListeners('error');
    server.on('error', (err) => process.stderr.write(`webui-server: ${err?.message ?? err}\n`));
    const addr = server.address();
    const actual = typeof addr === 'object' && addr ? addr.port : port;
    writeAtomic(pidFile, `${process.pid}\n`);
    writeAtomic(portFile, `${actual}\n`);
    process.stdout.write(`webui-server listening on 127.0.0.1:${actual} (pid ${process.pid})\n`);
  });
}
listen(preferred);
