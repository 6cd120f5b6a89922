// Output delivery as the job's user: a head running as root never writes a user's output itself.
// It hands each file to a helper process running as that user (head/agent-link/delivery/worker.ts, started
// through the drover-exec launcher with the user's groups), which writes it as the user's own
// `cp` would. One helper per user serves a burst of deliveries and exits after a quiet while, so
// a process is started per user and burst, not per job. Files of the head's own user are written
// in this process.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type Account, launchArgs, launcherPath, userByName } from '../../../native/native.js';
import { deliverFile } from './deliver-file.js';

export interface Destination {
  path: string;
  data: Buffer;
}

export interface Outcome {
  path: string;
  /** why it could not be written (as the user's own `cp` would say) */
  error?: string;
}

/** How long an idle helper waits for more work before it exits. */
const IDLE_MS = 10_000;

interface Helper {
  uid: number;
  child: ChildProcess;
  waiting: Map<number, (error?: string) => void>;
  idle?: NodeJS.Timeout;
  stderr: string;
}

const WORKER = fileURLToPath(new URL('./worker.js', import.meta.url));

export class Delivery {
  private helpers = new Map<number, Helper>();
  private nextId = 1;

  /** Write each file as `user` with the job's `umask`; one outcome per file, in order. */
  async deliver(user: string, umask: number, files: Destination[]): Promise<Outcome[]> {
    const account = userByName(user);
    if (!account) return files.map((f) => ({ path: f.path, error: `no user ${user} on the head host` }));
    if (account.uid === process.getuid?.()) return files.map((f) => here(f, umask));
    const helper = this.helper(account);
    return Promise.all(files.map((f) => this.ask(helper, f, umask)));
  }

  /** Stop every helper (head shutdown). */
  stop(): void {
    for (const h of [...this.helpers.values()]) this.retire(h);
  }

  /** An idle helper leaves the pool first (new work starts another), then its stdin closes. */
  private retire(helper: Helper): void {
    if (this.helpers.get(helper.uid) === helper) this.helpers.delete(helper.uid);
    helper.child.stdin?.end();
  }

  private helper(account: Account): Helper {
    const known = this.helpers.get(account.uid);
    if (known) return known;
    const child = spawn(
      launcherPath(),
      launchArgs({ uid: account.uid, gid: account.gid, cds: ['/'] }, process.execPath, [WORKER]),
      { stdio: ['pipe', 'pipe', 'pipe'], env: { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8' } },
    );
    const helper: Helper = { uid: account.uid, child, waiting: new Map(), stderr: '' };
    this.helpers.set(account.uid, helper);
    child.stdin!.on('error', () => {});
    child.stderr!.on('data', (d: Buffer) => {
      if (helper.stderr.length < 4096) helper.stderr += d.toString();
    });
    createInterface({ input: child.stdout! }).on('line', (line) => this.answer(helper, line));
    child.on('close', (code, signal) => {
      if (this.helpers.get(account.uid) === helper) this.helpers.delete(account.uid);
      clearTimeout(helper.idle);
      const why = `the delivery helper for ${account.name} ended (${signal ?? `exit ${code}`}) ${helper.stderr.trim()}`;
      for (const done of helper.waiting.values()) done(why.trim());
      helper.waiting.clear();
    });
    return helper;
  }

  private ask(helper: Helper, file: Destination, umask: number): Promise<Outcome> {
    clearTimeout(helper.idle);
    const id = this.nextId++;
    return new Promise((resolve) => {
      helper.waiting.set(id, (error) => resolve(error ? { path: file.path, error } : { path: file.path }));
      const req = { id, path: file.path, umask, data: file.data.toString('base64') };
      helper.child.stdin!.write(`${JSON.stringify(req)}\n`);
    });
  }

  private answer(helper: Helper, line: string): void {
    let reply: { id: number; error?: string };
    try {
      reply = JSON.parse(line) as { id: number; error?: string };
    } catch {
      return;
    }
    const done = helper.waiting.get(reply.id);
    helper.waiting.delete(reply.id);
    done?.(reply.error);
    if (helper.waiting.size === 0) {
      helper.idle = setTimeout(() => this.retire(helper), IDLE_MS);
      helper.idle.unref();
    }
  }
}

function here(file: Destination, umask: number): Outcome {
  try {
    deliverFile(file.path, file.data, umask);
    return { path: file.path };
  } catch (e) {
    return { path: file.path, error: (e as Error).message };
  }
}
