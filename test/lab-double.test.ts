// The lab double (test/lab-double): runs the flagship deck's exercise commands
// in one real bash whose PATH starts with test/lab-double/bin.
import { describe, it, expect, afterAll } from 'vitest';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DOUBLE = path.join(HERE, 'lab-double');
const BIN = path.join(DOUBLE, 'bin');
const STOP = path.join(DOUBLE, 'stop.sh');
const SERVER = path.join(DOUBLE, 'registry-server.mjs');
const WEBUI_SERVER = path.join(DOUBLE, 'webui-server.mjs');

function hasTool(name: string): boolean {
  return spawnSync('bash', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}
const missing = ['curl', 'jq'].filter((t) => !hasTool(t));
const skipReason = missing.length ? `lab double tests skipped: ${missing.join(' and ')} not found on PATH` : '';
if (skipReason) console.warn(skipReason);

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-double-test-'));
const stateDirs: string[] = [];

function newStateDir(name: string): string {
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  stateDirs.push(dir);
  return dir;
}

function envFor(stateDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, PATH: `${BIN}:${process.env.PATH ?? '/usr/bin:/bin'}`, LAB_DOUBLE_DIR: stateDir, ...extra };
}

function stop(stateDir: string): void {
  execFileSync('bash', [STOP, stateDir], { stdio: 'ignore', timeout: 15_000 });
}

/** Alive and not a zombie. */
function processAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

function logLines(stateDir: string): string[] {
  return fs.readFileSync(path.join(stateDir, 'log'), 'utf8').split('\n').filter(Boolean);
}

/** Expect `wanted` to appear in `lines` in this order (other lines may come between). */
function expectSubsequence(lines: string[], wanted: string[]): void {
  let i = 0;
  for (const line of lines) if (i < wanted.length && line === wanted[i]) i++;
  expect(wanted.slice(i), `missing from the log, in order:\n${lines.join('\n')}`).toEqual([]);
}

afterAll(() => {
  for (const dir of stateDirs) {
    try {
      stop(dir);
    } catch {
      // best effort
    }
  }
  fs.rmSync(root, { recursive: true, force: true });
});

describe.skipIf(!!skipReason)('lab double (kubectl, docker, docker-compose, registry)', () => {
  it('runs the flagship deck exercises in one bash, and stop.sh kills the registry and webui servers', { timeout: 90_000 }, () => {
    const state = newStateDir('flagship');
    const home = path.join(root, 'home');
    fs.mkdirSync(path.join(home, 'container.training', 'stacks'), { recursive: true });

    // The deck's exercise commands, in order (hidden `hide` directives included),
    // with step markers so that each output can be checked on its own.
    // stderr stays apart: curl prints its progress meter there when stdout is
    // not a terminal.
    const script = String.raw`
step() { echo "@@@ $1"; }
ms() { echo $(( $(date +%s%N) / 1000000 )); }
step create-registry
kubectl create deployment registry --image=registry
step expose-registry
kubectl expose deploy/registry --port=5000 --type=NodePort
step describe
kubectl describe svc/registry
step nodeport
NODEPORT=$(kubectl get svc/registry -o json | jq .spec.ports[0].nodePort)
REGISTRY=127.0.0.1:$NODEPORT
echo "NODEPORT=$NODEPORT REGISTRY=$REGISTRY"
step too-early
curl -s -o /dev/null -w '%{http_code}\n' $REGISTRY/v2/
step wait-registry
kubectl wait deploy/registry --for condition=available
step catalog-empty
curl $REGISTRY/v2/_catalog
step pull
docker pull busybox
docker tag busybox $REGISTRY/busybox
echo "rc=$?"
step push
docker push $REGISTRY/busybox
echo "rc=$?"
step catalog-busybox
curl $REGISTRY/v2/_catalog
step cd
cd ~/container.training/stacks
pwd
step compose-build
export REGISTRY
export TAG=v0.1
docker-compose -f dockercoins.yml build
echo "rc=$?"
step compose-push
docker-compose -f dockercoins.yml push
echo "rc=$?"
step deploy-redis
kubectl create deployment redis --image=redis
step deploy-all
  for SERVICE in hasher rng webui worker; do
    kubectl create deployment $SERVICE --image=$REGISTRY/$SERVICE:$TAG
  done
step hidden-waits
kubectl wait deploy/rng --for condition=available
kubectl wait deploy/worker --for condition=available
step logs-rng
kubectl logs deploy/rng
step logs-worker
kubectl logs deploy/worker
step expose-three
kubectl expose deployment redis --port 6379
kubectl expose deployment rng --port 80
kubectl expose deployment hasher --port 80
step follow
t0=$(ms)
timeout 2 kubectl logs deploy/worker --follow
echo "rc=$? elapsed=$(( $(ms) - t0 ))"
step expose-webui
kubectl expose deploy/webui --type=NodePort --port=80
step get-svc
kubectl get svc
step webui-page
PORT=$(kubectl get svc | sed -n 's,^webui .* 80:\([0-9]*\)/TCP.*,\1,p')
echo "PORT=$PORT"
curl -s http://127.0.0.1:$PORT/
step webui-json
curl -s http://127.0.0.1:$PORT/json
echo
step webui-describe
kubectl describe svc/webui
step webui-nodeport
kubectl get svc/webui -o json | jq .spec.ports[0].nodePort
step end
`;
    const scriptFile = path.join(root, 'flagship.sh');
    fs.writeFileSync(scriptFile, script);
    const t0 = Date.now();
    const run = spawnSync('bash', [scriptFile], {
      cwd: root,
      // the registry answers 503 for 3 s after its creation: the wait must wait for it
      env: envFor(state, { HOME: home, LAB_REGISTRY_READY_MS: '3000' }),
      encoding: 'utf8',
      timeout: 60_000,
    });
    const elapsed = Date.now() - t0;
    const out = run.stdout;
    expect(run.error, String(run.error)).toBeUndefined();
    expect(run.status, `${out}\n${run.stderr}`).toBe(0);
    // No double complained (curl's progress meter aside).
    expect(run.stderr).not.toMatch(/error|not found|refused|does not exist/i);
    expect(elapsed).toBeLessThan(20_000);

    const steps = new Map<string, string>();
    const parts = out.split(/^@@@ (\S+)\n/m);
    for (let i = 1; i < parts.length; i += 2) steps.set(parts[i]!, parts[i + 1] ?? '');
    const s = (name: string): string => {
      const v = steps.get(name);
      expect(v, `step ${name} missing from:\n${out}`).toBeDefined();
      return v!;
    };
    expect(steps.has('end'), out).toBe(true);

    // Registry deployment and its NodePort.
    expect(s('create-registry').trim()).toBe('deployment.apps/registry created');
    expect(s('expose-registry').trim()).toBe('service/registry exposed');
    const port = Number(fs.readFileSync(path.join(state, 'registry.port'), 'utf8').trim());
    expect(port).toBeGreaterThan(0);
    const describeOut = s('describe');
    expect(describeOut).toMatch(/^Name:\s+registry$/m);
    expect(describeOut).toMatch(/^Type:\s+NodePort$/m);
    expect(describeOut).toMatch(new RegExp(`^NodePort:\\s+<unset>\\s+${port}/TCP$`, 'm'));
    expect(s('nodeport').trim()).toBe(`NODEPORT=${port} REGISTRY=127.0.0.1:${port}`);
    expect(s('too-early').trim()).toBe('503');
    expect(s('wait-registry').trim()).toBe('deployment.apps/registry condition met');

    // The registry double, through the real curl.
    expect(s('catalog-empty').trim()).toBe('{"repositories":[]}');
    const pull = s('pull');
    expect(pull).toContain('latest: Pulling from library/busybox');
    expect(pull).toContain('Status: Downloaded newer image for busybox:latest');
    expect(pull).toContain('rc=0');
    const push = s('push');
    expect(push).toContain(`The push refers to repository [127.0.0.1:${port}/busybox]`);
    expect(push).toMatch(/^latest: digest: sha256:[0-9a-f]{64} size: \d+$/m);
    expect(push).toContain('rc=0');
    expect(s('catalog-busybox').trim()).toBe('{"repositories":["busybox"]}');
    expect(JSON.parse(s('catalog-busybox'))).toEqual({ repositories: ['busybox'] });

    // Compose build and push, in ~/container.training/stacks.
    expect(s('cd').trim()).toBe(path.join(home, 'container.training', 'stacks'));
    const build = s('compose-build');
    const composePush = s('compose-push');
    for (const svc of ['hasher', 'rng', 'webui', 'worker']) {
      expect(build).toContain(`Building ${svc}`);
      expect(build).toContain(`Successfully tagged 127.0.0.1:${port}/${svc}:v0.1`);
      expect(composePush).toContain(`Pushing ${svc} (127.0.0.1:${port}/${svc}:v0.1)...`);
    }
    expect(build).toContain('rc=0');
    expect(composePush).toContain('rc=0');
    const catalog = execFileSync('curl', ['-fsS', `http://127.0.0.1:${port}/v2/_catalog`], { encoding: 'utf8' });
    expect(JSON.parse(catalog)).toEqual({ repositories: ['busybox', 'hasher', 'rng', 'webui', 'worker'] });

    // Deployments.
    expect(s('deploy-redis').trim()).toBe('deployment.apps/redis created');
    expect(s('deploy-all').trim().split('\n')).toEqual(
      ['hasher', 'rng', 'webui', 'worker'].map((n) => `deployment.apps/${n} created`),
    );
    expect(s('hidden-waits').trim().split('\n')).toEqual([
      'deployment.apps/rng condition met',
      'deployment.apps/worker condition met',
    ]);

    // rng is fine ... but not worker (nothing exposed yet).
    expect(s('logs-rng')).toContain('Running on');
    const workerBefore = s('logs-worker');
    expect(workerBefore).toMatch(/ConnectionError/);
    expect(workerBefore).not.toContain('units of work done');

    // Expose, then the worker works.
    expect(s('expose-three').trim().split('\n')).toEqual([
      'service/redis exposed',
      'service/rng exposed',
      'service/hasher exposed',
    ]);
    const follow = s('follow');
    expect(follow).toMatch(/^INFO:__main__:\d+ units of work done, updating hash counter$/m);
    const m = /rc=(\d+) elapsed=(\d+)/.exec(follow);
    expect(m, follow).not.toBeNull();
    expect(Number(m![1])).toBe(124); // killed by timeout
    expect(Number(m![2])).toBeLessThan(4_000);

    // Web UI on a NodePort.
    expect(s('expose-webui').trim()).toBe('service/webui exposed');
    const svc = s('get-svc');
    expect(svc).toMatch(/^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE$/m);
    expect(svc).toMatch(/^webui\s+NodePort\s+10\.96\.\d+\.\d+\s+<none>\s+80:3\d{4}\/TCP\s/m);
    expect(svc).toMatch(new RegExp(`^registry\\s+NodePort\\s+\\S+\\s+<none>\\s+5000:${port}/TCP\\s`, 'm'));
    for (const name of ['hasher', 'redis', 'rng', 'kubernetes']) {
      expect(svc).toMatch(new RegExp(`^${name}\\s+ClusterIP\\s`, 'm'));
    }

    // ... and a real HTTP server on that NodePort (the deck's `open http://node1:3xxxx/`).
    const webuiPage = s('webui-page');
    const pm = /^PORT=(\d+)$/m.exec(webuiPage);
    expect(pm, webuiPage).not.toBeNull();
    const webuiPort = Number(pm![1]);
    expect(webuiPort).toBeGreaterThanOrEqual(30000);
    expect(webuiPort).toBeLessThanOrEqual(32767);
    expect(svc).toContain(`80:${webuiPort}/TCP`);
    expect(Number(fs.readFileSync(path.join(state, 'webui.port'), 'utf8').trim())).toBe(webuiPort);
    expect(webuiPage).toContain('<title>DockerCoin Miner WebUI</title>');
    expect(webuiPage).toMatch(/<\/html>\s*$/);
    const json = JSON.parse(s('webui-json')) as { hashrate: number; coins: number };
    expect(Object.keys(json).sort()).toEqual(['coins', 'hashrate']);
    expect(json.hashrate).toBeGreaterThan(0); // the worker is working by now
    expect(json.coins).toBeGreaterThanOrEqual(0);
    expect(s('webui-describe')).toMatch(new RegExp(`^NodePort:\\s+<unset>\\s+${webuiPort}/TCP$`, 'm'));
    expect(s('webui-nodeport').trim()).toBe(String(webuiPort));

    // The invocation log.
    const R = `127.0.0.1:${port}`;
    expectSubsequence(logLines(state), [
      'kubectl create deployment registry --image=registry',
      'kubectl expose deploy/registry --port=5000 --type=NodePort',
      'kubectl describe svc/registry',
      'kubectl get svc/registry -o json',
      'kubectl wait deploy/registry --for condition=available',
      'docker pull busybox',
      `docker tag busybox ${R}/busybox`,
      `docker push ${R}/busybox`,
      'docker-compose -f dockercoins.yml build',
      'docker-compose -f dockercoins.yml push',
      'kubectl create deployment redis --image=redis',
      `kubectl create deployment hasher --image=${R}/hasher:v0.1`,
      `kubectl create deployment rng --image=${R}/rng:v0.1`,
      `kubectl create deployment webui --image=${R}/webui:v0.1`,
      `kubectl create deployment worker --image=${R}/worker:v0.1`,
      'kubectl wait deploy/rng --for condition=available',
      'kubectl wait deploy/worker --for condition=available',
      'kubectl logs deploy/rng',
      'kubectl logs deploy/worker',
      'kubectl expose deployment redis --port 6379',
      'kubectl expose deployment rng --port 80',
      'kubectl expose deployment hasher --port 80',
      'kubectl logs deploy/worker --follow',
      'kubectl expose deploy/webui --type=NodePort --port=80',
      'kubectl get svc',
      'kubectl get svc',
      'kubectl describe svc/webui',
      'kubectl get svc/webui -o json',
    ]);
    // No double logs twice (the --follow re-exec does not log again).
    expect(logLines(state).filter((l) => l === 'kubectl logs deploy/worker --follow')).toHaveLength(1);

    // stop.sh leaves no registry server and no webui server process.
    const pid = Number(fs.readFileSync(path.join(state, 'registry.pid'), 'utf8').trim());
    const webuiPid = Number(fs.readFileSync(path.join(state, 'webui.pid'), 'utf8').trim());
    expect(processAlive(pid)).toBe(true);
    expect(processAlive(webuiPid)).toBe(true);
    expect(fs.readFileSync(`/proc/${webuiPid}/cmdline`, 'utf8')).toContain('webui-server.mjs');
    stop(state);
    expect(processAlive(pid)).toBe(false);
    expect(processAlive(webuiPid)).toBe(false);
    expect(fs.existsSync(path.join(state, 'registry.pid'))).toBe(false);
    expect(fs.existsSync(path.join(state, 'webui.pid'))).toBe(false);
    const probe = spawnSync('curl', ['-fsS', '--max-time', '2', `http://127.0.0.1:${port}/v2/`]);
    expect(probe.status).not.toBe(0);
    const webuiProbe = spawnSync('curl', ['-fsS', '--max-time', '2', `http://127.0.0.1:${webuiPort}/`]);
    expect(webuiProbe.status).not.toBe(0);
    stop(state); // idempotent
  });

  it('webui NodePort: a taken port is skipped and the new one is reported everywhere', { timeout: 60_000 }, async () => {
    const state = newStateDir('webui-port');
    const env = envFor(state);
    const sh = (cmd: string): string => execFileSync('bash', ['-c', cmd], { env, encoding: 'utf8', timeout: 20_000 });
    const tablePort = (): number => {
      const m = /^webui\s+NodePort\s+\S+\s+<none>\s+80:(\d+)\/TCP\s/m.exec(sh('kubectl get svc'));
      expect(m).not.toBeNull();
      return Number(m![1]);
    };
    sh('kubectl create deployment webui --image=dockercoins/webui:v0.1');
    expect(sh('kubectl expose deploy/webui --type=NodePort --port=80').trim()).toBe('service/webui exposed');
    const first = tablePort();
    expect(sh(`curl -s http://127.0.0.1:${first}/`)).toContain('<title>DockerCoin Miner WebUI</title>');
    // Deleting the service stops its server.
    const firstPid = Number(fs.readFileSync(path.join(state, 'webui.pid'), 'utf8').trim());
    expect(sh('kubectl delete svc/webui').trim()).toBe('service "webui" deleted');
    expect(processAlive(firstPid)).toBe(false);

    // Someone else takes that port: the next expose picks another free one in range.
    const squatter = net.createServer();
    await new Promise<void>((resolve, reject) => {
      squatter.once('error', reject);
      squatter.listen(first, '127.0.0.1', () => resolve());
    });
    try {
      expect(sh('kubectl expose deployment webui --port 80 --type NodePort').trim()).toBe('service/webui exposed');
      const second = tablePort();
      expect(second).not.toBe(first);
      expect(second).toBeGreaterThanOrEqual(30000);
      expect(second).toBeLessThanOrEqual(32767);
      expect(Number(fs.readFileSync(path.join(state, 'webui.port'), 'utf8').trim())).toBe(second);
      expect(sh('kubectl describe svc/webui')).toMatch(new RegExp(`^NodePort:\\s+<unset>\\s+${second}/TCP$`, 'm'));
      expect(JSON.parse(sh('kubectl get svc/webui -o json')).spec.ports[0].nodePort).toBe(second);
      expect(sh("kubectl get svc/webui -o jsonpath='{.spec.ports[0].nodePort}'")).toBe(String(second));
      expect(JSON.parse(sh(`curl -s http://127.0.0.1:${second}/json`))).toEqual({ hashrate: 0, coins: 0 }); // no worker
      expect(sh(`curl -s http://127.0.0.1:${second}/`)).toContain('<title>DockerCoin Miner WebUI</title>');
    } finally {
      squatter.close();
    }
    const pid = Number(fs.readFileSync(path.join(state, 'webui.pid'), 'utf8').trim());
    expect(processAlive(pid)).toBe(true);
    stop(state);
    expect(processAlive(pid)).toBe(false);
    expect(fs.existsSync(path.join(state, 'webui.pid'))).toBe(false);
  });

  it('catching up: REGISTRY=dockercoins records Docker Hub images in the log', () => {
    const state = newStateDir('catchup');
    const out = execFileSync(
      'bash',
      [
        '-c',
        `export REGISTRY=dockercoins TAG=v0.1
kubectl create deployment redis --image=redis
for SERVICE in hasher rng webui worker; do
  kubectl create deployment $SERVICE --image=$REGISTRY/$SERVICE:$TAG
done
kubectl logs deploy/worker`,
      ],
      { env: envFor(state), encoding: 'utf8' },
    );
    expect(out).toContain('deployment.apps/worker created');
    expect(out).toContain("redis.exceptions.ConnectionError");
    expect(logLines(state)).toContain('kubectl create deployment worker --image=dockercoins/worker:v0.1');
    expect(fs.existsSync(path.join(state, 'registry.pid'))).toBe(false); // no registry server needed
  });

  it('kubectl logs --follow dies on SIGINT and on SIGHUP', async () => {
    const state = newStateDir('signals');
    const env = envFor(state);
    execFileSync('bash', ['-c', 'for d in redis rng hasher worker; do kubectl create deployment $d --image=$d; done; for d in redis rng hasher; do kubectl expose deploy/$d --port=80; done'], { env, stdio: 'ignore' });
    for (const signal of ['SIGINT', 'SIGHUP'] as const) {
      const child = spawn(path.join(BIN, 'kubectl'), ['logs', 'deploy/worker', '--follow'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let seen = '';
      const exited = new Promise<{ code: number | null; sig: NodeJS.Signals | null }>((resolve) =>
        child.on('exit', (code, sig) => resolve({ code, sig })),
      );
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no output from --follow: ${seen}`)), 5_000);
        child.stdout.on('data', (d: Buffer) => {
          seen += d.toString();
          if (seen.split('units of work done').length > 4) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      child.kill(signal);
      const result = await Promise.race([
        exited,
        new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 3_000)),
      ]);
      if (result === 'timeout') child.kill('SIGKILL');
      expect(result, `${signal} did not stop kubectl logs --follow`).not.toBe('timeout');
      const r = result as { code: number | null; sig: NodeJS.Signals | null };
      expect(r.sig === signal || r.code === (signal === 'SIGINT' ? 130 : 129)).toBe(true);
    }
  });

  it('fails clearly: docker push of an unknown image, unknown deployment, no LAB_DOUBLE_DIR', () => {
    const state = newStateDir('errors');
    const push = spawnSync('docker', ['push', '127.0.0.1:5000/nothing'], { env: envFor(state), encoding: 'utf8' });
    expect(push.status).toBe(1);
    expect(push.stderr).toContain('An image does not exist locally with the tag: 127.0.0.1:5000/nothing');

    const wait = spawnSync('kubectl', ['wait', 'deploy/nothing', '--for', 'condition=available'], { env: envFor(state), encoding: 'utf8' });
    expect(wait.status).toBe(1);
    expect(wait.stderr).toContain('deployments.apps "nothing" not found');

    const env = envFor(state);
    delete env.LAB_DOUBLE_DIR;
    for (const prog of ['kubectl', 'docker', 'docker-compose']) {
      const r = spawnSync(prog, ['version'], { env, encoding: 'utf8' });
      expect(r.status).toBe(2);
      expect(r.stderr).toContain('LAB_DOUBLE_DIR is not set');
    }
  });

  it('registry-server.mjs is not ready at first (503), then serves the catalog, and exits when its stdin closes', async () => {
    const state = newStateDir('server');
    const started = Date.now();
    const child = spawn(process.execPath, [SERVER, state], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, LAB_REGISTRY_READY_MS: '800' } });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const portFile = path.join(state, 'registry.port');
    const deadline = Date.now() + 10_000;
    while (!fs.existsSync(portFile) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const port = Number(fs.readFileSync(portFile, 'utf8').trim());
    const base = `http://127.0.0.1:${port}`;
    // like a registry pod still starting: the port answers, the registry is not there yet
    const early = await fetch(`${base}/v2/`);
    expect(early.status).toBe(503);
    expect(await early.text()).toContain('not ready');
    expect((await fetch(`${base}/__push/early`, { method: 'POST' })).status).toBe(503);
    let ready = early;
    while (ready.status === 503 && Date.now() < started + 8_000) {
      await new Promise((r) => setTimeout(r, 100));
      ready = await fetch(`${base}/v2/`);
    }
    expect(Date.now() - started).toBeGreaterThanOrEqual(800);
    expect(await ready.text()).toBe('{}');
    expect((await (await fetch(`${base}/v2/_catalog`)).text()).trim()).toBe('{"repositories":[]}');
    expect((await fetch(`${base}/__push/zeta`, { method: 'POST' })).status).toBe(201);
    expect((await fetch(`${base}/__push/alpha?tag=v1`, { method: 'POST' })).status).toBe(201);
    expect((await (await fetch(`${base}/v2/_catalog`)).text()).trim()).toBe('{"repositories":["alpha","zeta"]}');
    expect(await (await fetch(`${base}/v2/alpha/tags/list`)).json()).toEqual({ name: 'alpha', tags: ['v1'] });
    child.stdin.end();
    const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 5_000))]);
    if (code === 'timeout') child.kill('SIGKILL');
    expect(code).toBe(0);
  });

  it('webui-server.mjs serves / and /json, and exits when its stdin closes, its dir goes, or its time is up', { timeout: 30_000 }, async () => {
    const waitExit = (child: ReturnType<typeof spawn>, ms: number) =>
      Promise.race([
        new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code))),
        new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms)),
      ]);
    const waitPort = async (state: string): Promise<number> => {
      const portFile = path.join(state, 'webui.port');
      const deadline = Date.now() + 10_000;
      while (!fs.existsSync(portFile) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      return Number(fs.readFileSync(portFile, 'utf8').trim());
    };

    // stdin closes
    const state = newStateDir('webui-server');
    const child = spawn(process.execPath, [WEBUI_SERVER, state], { stdio: ['pipe', 'pipe', 'pipe'] });
    const exited = waitExit(child, 10_000);
    const port = await waitPort(state);
    expect(port).toBeGreaterThanOrEqual(30000);
    expect(port).toBeLessThanOrEqual(32767);
    expect(Number(fs.readFileSync(path.join(state, 'webui.pid'), 'utf8').trim())).toBe(child.pid);
    const base = `http://127.0.0.1:${port}`;
    const home = await fetch(`${base}/`);
    expect(home.status).toBe(200);
    expect(home.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await home.text()).toContain('<title>DockerCoin Miner WebUI</title>');
    expect(await (await fetch(`${base}/json`)).json()).toEqual({ hashrate: 0, coins: 0 });
    expect((await fetch(`${base}/nothing`)).status).toBe(404);
    child.stdin!.end();
    const code = await exited;
    if (code === 'timeout') child.kill('SIGKILL');
    expect(code).toBe(0);
    expect(fs.existsSync(path.join(state, 'webui.pid'))).toBe(false);

    // the state directory disappears (stdin is not a pipe: it keeps running until then)
    const gone = path.join(newStateDir('webui-gone'), 'state');
    const child2 = spawn(process.execPath, [WEBUI_SERVER, gone], { stdio: 'ignore' });
    const exited2 = waitExit(child2, 8_000);
    await waitPort(gone);
    fs.rmSync(gone, { recursive: true, force: true });
    const code2 = await exited2;
    if (code2 === 'timeout') child2.kill('SIGKILL');
    expect(code2).toBe(0);

    // bounded lifetime
    const short = newStateDir('webui-lifetime');
    const child3 = spawn(process.execPath, [WEBUI_SERVER, short], {
      stdio: 'ignore',
      env: { ...process.env, LAB_WEBUI_LIFETIME_MS: '800' },
    });
    const code3 = await waitExit(child3, 8_000);
    if (code3 === 'timeout') child3.kill('SIGKILL');
    expect(code3).toBe(0);
  });
});
