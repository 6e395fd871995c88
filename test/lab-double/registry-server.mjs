#!/usr/bin/env node
// Lab double: a tiny stand-in for Docker's registry (distribution) HTTP API.
//
//   node registry-server.mjs STATE_DIR
//
// Listens on 127.0.0.1 (port 0 = a free port, or the port recorded by a
// previous run when it is still free), then writes the port to
// STATE_DIR/registry.port and its pid to STATE_DIR/registry.pid.
//
// For LAB_REGISTRY_READY_MS after it starts (default 1500; 0 for none) it is not ready: every
// request gets 503 Service Unavailable, as a registry pod still starting would.
//
// Routes:
//   GET  /v2/                  -> {}
//   GET  /v2/_catalog          -> {"repositories":[...]}  (sorted, compact, like the real one)
//   GET  /v2/NAME/tags/list    -> {"name":"NAME","tags":[...]}
//   POST /__push/NAME[?tag=T]  -> records a repository (used by the docker / docker-compose doubles)
//
// Pushed repositories are kept in memory and in STATE_DIR/registry.repos
// (one "name tag" per line), so a restarted server remembers them.
//
// Bounded lifetime: exits on SIGTERM/SIGINT, when its stdin is a pipe and that
// pipe closes (its parent went away), when STATE_DIR disappears, and in any case
// after LAB_REGISTRY_LIFETIME_MS (default 10 minutes).
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { boundLifetime } from './server-lifetime.mjs';
import { readiness } from './readiness.mjs';

const stateDir = process.argv[2];
if (!stateDir) {
  process.stderr.write('usage: node registry-server.mjs STATE_DIR\n');
  process.exit(2);
}
fs.mkdirSync(stateDir, { recursive: true });

const portFile = path.join(stateDir, 'registry.port');
const pidFile = path.join(stateDir, 'registry.pid');
const reposFile = path.join(stateDir, 'registry.repos');
const lifetimeMs = Number(process.env.LAB_REGISTRY_LIFETIME_MS) > 0
  ? Number(process.env.LAB_REGISTRY_LIFETIME_MS)
  : 10 * 60 * 1000;

// Not ready for LAB_REGISTRY_READY_MS (default 1.5 s) after it starts: every request gets a 503,
// so that a push that does not wait for `kubectl wait deploy/registry` fails, as on a real cluster.
const isReady = readiness('LAB_REGISTRY_READY_MS', 1500);

/** @type {Map<string, Set<string>>} repository name -> tags */
const repos = new Map();

function addRepo(name, tag) {
  let tags = repos.get(name);
  if (!tags) repos.set(name, (tags = new Set()));
  if (tag) tags.add(tag);
}

try {
  for (const line of fs.readFileSync(reposFile, 'utf8').split('\n')) {
    const [name, tag] = line.trim().split(/\s+/);
    if (name) addRepo(name, tag);
  }
} catch {
  // no previous pushes
}

function writeAtomic(file, text) {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

function send(res, status, body, headers = {}) {
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Docker-Distribution-Api-Version': 'registry/2.0',
    ...headers,
  });
  res.end(body);
}

const validName = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/;
const validTag = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://registry.invalid');
  const p = url.pathname;
  const method = req.method ?? 'GET';

  if (!isReady()) {
    send(res, 503, JSON.stringify({ errors: [{ code: 'UNAVAILABLE', message: 'service unavailable: the registry is not ready yet' }] }) + '\n', { 'Retry-After': '1' });
    return;
  }
  if (method === 'POST' && p.startsWith('/__push/')) {
    const name = decodeURIComponent(p.slice('/__push/'.length)).replace(/\/+$/, '');
    const tag = url.searchParams.get('tag') || 'latest';
    if (!validName.test(name) || !validTag.test(tag)) {
      send(res, 400, JSON.stringify({ errors: [{ code: 'NAME_INVALID', message: 'invalid repository name', detail: name }] }) + '\n');
      return;
    }
    addRepo(name, tag);
    try {
      fs.appendFileSync(reposFile, `${name} ${tag}\n`);
    } catch {
      // state dir gone: keep serving from memory until we notice and exit
    }
    send(res, 201, JSON.stringify({ name, tag }) + '\n');
    return;
  }

  if (method !== 'GET' && method !== 'HEAD') {
    send(res, 405, JSON.stringify({ errors: [{ code: 'UNSUPPORTED', message: 'The operation is unsupported.' }] }) + '\n');
    return;
  }

  if (p === '/v2' || p === '/v2/') {
    send(res, 200, '{}');
    return;
  }
  if (p === '/v2/_catalog') {
    const names = [...repos.keys()].sort();
    send(res, 200, JSON.stringify({ repositories: names }) + '\n');
    return;
  }
  const tagsList = /^\/v2\/(.+)\/tags\/list$/.exec(p);
  if (tagsList) {
    const name = tagsList[1];
    const tags = repos.get(name);
    if (!tags) {
      send(res, 404, JSON.stringify({ errors: [{ code: 'NAME_UNKNOWN', message: 'repository name not known to registry', detail: { name } }] }) + '\n');
      return;
    }
    send(res, 200, JSON.stringify({ name, tags: [...tags].sort() }) + '\n');
    return;
  }
  send(res, 404, '404 page not found\n', { 'Content-Type': 'text/plain; charset=utf-8' });
});

boundLifetime(server, { pidFile, stateDir, lifetimeMs });

function listen(port) {
  server.once('error', (err) => {
    if (port !== 0 && err && err.code === 'EADDRINUSE') {
      listen(0);
      return;
    }
    process.stderr.write(`registry-server: ${err?.message ?? err}\n`);
    process.exit(1);
  });
  server.listen(port, '127.0.0.1', () => {
    const addr = server.address();
    const actual = typeof addr === 'object' && addr ? addr.port : 0;
    writeAtomic(pidFile, `${process.pid}\n`);
    writeAtomic(portFile, `${actual}\n`);
    process.stdout.write(`registry-server listening on 127.0.0.1:${actual} (pid ${process.pid})\n`);
  });
}

let previousPort = 0;
try {
  const n = Number(fs.readFileSync(portFile, 'utf8').trim());
  if (Number.isInteger(n) && n > 0 && n < 65536) previousPort = n;
} catch {
  // first start
}
listen(previousPort);
