// Real OpenSSH servers for end-to-end tests: one `sshd -D` per loopback address (127.0.0.11, …),
// each with a host key generated for it and an authorized_keys file of the test's own key.
// Every sshd is stopped by its PID.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { prepareAgentDir, ROOT, type RunResult, siteEnvironment, stopPid, type TestHead } from './head.js';

export const SSHD = '/usr/sbin/sshd';
export const SSH_PORT = 2222;

/** A user key pair for the head to log in with. */
export function makeClientKey(dir: string): { privateKey: string; publicKey: string } {
  const file = join(dir, 'id_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'drover-test', '-f', file]);
  return { privateKey: file, publicKey: readFileSync(`${file}.pub`, 'utf8') };
}

export class TestSshd {
  private child: ChildProcess | undefined;
  readonly dir: string;

  constructor(
    readonly address: string,
    base: string,
    private readonly authorizedKey: string,
    /** more sshd_config lines, e.g. `AllowStreamLocalForwarding no` */
    private readonly extraConfig: string[] = [],
  ) {
    this.dir = join(base, `sshd-${address}`);
    mkdirSync(this.dir, { recursive: true });
    this.newHostKey();
  }

  get hostKeyFile(): string {
    return join(this.dir, 'host_ed25519');
  }

  /** The public host key, `ssh-ed25519 AAAA…`. */
  publicHostKey(): string {
    return readFileSync(`${this.hostKeyFile}.pub`, 'utf8').split(/\s+/).slice(0, 2).join(' ');
  }

  /** Replace the host key (the server must be restarted to use it). */
  newHostKey(): void {
    rmSync(this.hostKeyFile, { force: true });
    rmSync(`${this.hostKeyFile}.pub`, { force: true });
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', this.hostKeyFile]);
  }

  async start(): Promise<void> {
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    writeFileSync(join(this.dir, 'authorized_keys'), this.authorizedKey, { mode: 0o600 });
    const config = join(this.dir, 'sshd_config');
    writeFileSync(
      config,
      [
        `ListenAddress ${this.address}`,
        `Port ${SSH_PORT}`,
        `HostKey ${this.hostKeyFile}`,
        `PidFile ${join(this.dir, 'sshd.pid')}`,
        `AuthorizedKeysFile ${join(this.dir, 'authorized_keys')}`,
        'PermitRootLogin prohibit-password',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'UsePAM no',
        'StrictModes no',
        'MaxStartups 100',
        'MaxSessions 100',
        'LogLevel INFO',
        // root's shell start-up runs for every session, as for jobs (see prepareAgentDir)
        ...(siteEnvironment().length > 0 ? [`SetEnv ${siteEnvironment().join(' ')}`] : []),
        ...this.extraConfig,
        '',
      ].join('\n'),
    );
    const child = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    let log = '';
    await new Promise<void>((resolve, reject) => {
      child.stderr!.on('data', (d: Buffer) => {
        log += d.toString();
        if (log.includes('Server listening on')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`sshd on ${this.address} exited (${code}): ${log}`)));
    });
    child.stderr!.removeAllListeners('data');
    child.stderr!.resume();
  }

  /** The per-connection sshd processes (children of the listener), by PID. */
  sessionPids(): number[] {
    const parent = this.child?.pid;
    if (!parent) return [];
    return readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .filter((p) => {
        try {
          return Number(readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]) === parent;
        } catch {
          return false;
        }
      })
      .map(Number);
  }

  async stop(): Promise<void> {
    const pids = this.sessionPids();
    const pid = this.child?.pid;
    this.child = undefined;
    if (pid) await stopPid(pid);
    for (const p of pids) await stopPid(p);
  }
}

/** `drover node add NAME` for a test sshd at `address`, with the agent run from this checkout. */
export function addSshNode(
  head: TestHead,
  name: string,
  address: string,
  identity: string,
  stateDir: string,
  extra: string[] = [],
): Promise<RunResult> {
  prepareAgentDir(stateDir);
  // test nodes share one machine: each gets TMPDIRs of its own, as separate hosts would
  const tmp = join(stateDir, 'tmp');
  mkdirSync(tmp, { recursive: true, mode: 0o1777 });
  chmodSync(tmp, 0o1777);
  const agent = join(stateDir, 'agent.sh');
  writeFileSync(
    agent,
    `#!/bin/sh\nexec ${process.execPath} ${join(ROOT, 'dist/cli/drover.js')} "$@" --tmpdir ${tmp}\n`,
    { mode: 0o755 },
  );
  return head.run('drover', [
    'node',
    'add',
    name,
    '--host',
    address,
    '--port',
    String(SSH_PORT),
    '--user',
    'root',
    '--identity',
    identity,
    '--agent-cmd',
    agent,
    '--state-dir',
    stateDir,
    ...extra,
  ]);
}

/** Stop every agent whose state directory (`agent-*`) is under `base`, by the pid it recorded. */
export async function stopAgents(base: string): Promise<void> {
  for (const dir of readdirSync(base).filter((d) => d.startsWith('agent-'))) {
    const pidFile = join(base, dir, 'agent.pid');
    if (existsSync(pidFile)) await stopPid(Number(readFileSync(pidFile, 'utf8')));
  }
}
