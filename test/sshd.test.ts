// The SSH server the --ssh tests use (test/sshd.ts): a real sshd on 127.0.0.1 with a throwaway user,
// reached with a generated key only, and nothing of it left once stopped. Skipped, with a warning,
// where it cannot start (not root, or no /usr/sbin/sshd: .ci/run installs openssh-server).
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "./helpers.js";
import { processesWith } from "./leftovers.js";
import { startSshd, sshdUnavailable, type SshServer } from "./sshd.js";

const reason = sshdUnavailable();
if (reason) console.warn(`sshd test skipped: ${reason}`);

describe.skipIf(reason !== null)("a test's own sshd", () => {
  let server: SshServer;
  const scratch = mkdtempSync(join(tmpdir(), "labrun-sshd-test-"));

  beforeAll(async () => {
    server = await startSshd();
  });

  afterAll(async () => {
    await server?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it("runs a command as the test user, in its home", () => {
    expect(server.user).toMatch(/^labrun-ssh-[0-9a-f]{6}$/);
    expect(server.target).toBe(`${server.user}@127.0.0.1:${server.port}`);
    const r = server.exec("id -un; echo $HOME; pwd");
    expect(r, server.log()).toMatchObject({ status: 0, stdout: `${server.user}\n${server.home}\n${server.home}\n` });
  });

  it("is reached through the Host alias of its ssh_config", () => {
    const r = spawnSync("ssh", ["-F", server.sshConfig, server.alias, "id -un"], { encoding: "utf8", timeout: 30_000 });
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(`${server.user}\n`);
  });

  it("lets the user run the lab double's scripts with node, once copied to its home", () => {
    // The checkout may sit where the user cannot go (a 700 folder): the tests copy the double over.
    execFileSync("cp", ["-r", join(ROOT, "test/lab-double"), join(server.home, "lab-double")]);
    execFileSync("chown", ["-R", `${server.user}:`, join(server.home, "lab-double")]);
    const r = server.exec(`test -x ~/lab-double/bin/kubectl && test -r ~/lab-double/lib.sh && command -v node && node -e 'console.log(6 * 7)'`);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/^\/.*\/node\n42\n$/);
  });

  it("refuses another key", () => {
    const other = join(scratch, "other");
    spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", other]);
    const args = server.sshArgs.map((a) => (a === server.identity ? other : a));
    expect(args).toContain(other);
    const r = spawnSync("ssh", [...args, `${server.user}@127.0.0.1`, "true"], { encoding: "utf8", timeout: 30_000 });
    expect(r.status).toBe(255);
    expect(r.stderr).toContain("Permission denied (publickey)");
  });

  it("leaves no user, process or file behind once stopped", async () => {
    // A process that outlives its session (setsid, nohup) is the user's all the same.
    expect(server.exec("setsid nohup sleep 987654 </dev/null >/dev/null 2>&1 &").status).toBe(0);
    expect(processesWith("987654")).toHaveLength(1);
    const { pid, user, home, dir } = server;
    expect(existsSync(dir) && existsSync(home)).toBe(true);
    await server.stop();
    expect(spawnSync("getent", ["passwd", user]).status).toBe(2);
    expect(() => process.kill(pid, 0)).toThrow();
    expect(processesWith("987654")).toEqual([]);
    expect(spawnSync("pgrep", ["-f", `sshd -D -e -f ${dir}`]).status).toBe(1);
    expect(existsSync(dir)).toBe(false);
    expect(existsSync(home)).toBe(false);
  });
});
