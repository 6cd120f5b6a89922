// Interactive jobs (qsub -I) with a real head, its local node and a real SSH node (sshd on
// 127.0.0.160), run by a real user: qsub runs on a real pseudo-terminal (test/helpers/terminal.ts)
// and the test types into it as a person would, reads the job's shell's answers back, resizes the
// window, presses ^C and ^Z, deletes the job, lets its walltime run out, and checks after each way
// of ending that qsub gave the terminal back as it found it (canonical mode, echo).
import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster } from '../helpers/cluster.js';
import { BIN, freePort, ROOT } from '../helpers/head.js';
import { TestMunged } from '../helpers/munged.js';
import { TestTerminal } from '../helpers/terminal.js';
import { ALICE, account, dirOf, ensureUsers, runAs } from '../helpers/users.js';

const LOCAL = hostname().split('.')[0]!;
const SSH_NODE = 'i1';

let cluster: Cluster;
let munged: TestMunged;
let port = 0;
let work: string;
let dir: string;
const terminals: TestTerminal[] = [];

beforeAll(async () => {
  ensureUsers();
  munged = await TestMunged.start();
  port = await freePort();
  cluster = await startCluster({
    name: 'interactive',
    head: {
      local: true,
      ncpus: 4,
      killDelay: 1,
      extraArgs: ['--listen', `127.0.0.1:${port}`, '--munge-socket', munged.socket],
    },
    nodes: [{ name: SSH_NODE, address: '127.0.0.160', args: ['--ncpus', '2'] }],
    shared: true,
  });
  work = mkdtempSync(join(tmpdir(), 'drover-interactive-'));
  chmodSync(work, 0o711);
  dir = dirOf(ALICE, work);
}, 120_000);

afterAll(async () => {
  for (const t of terminals) await t.close();
  await cluster?.stop();
  await munged?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** alice's login environment, with the cluster's head (its socket, or TCP with MUNGE) */
function aliceEnv(tcp = false): NodeJS.ProcessEnv {
  const a = account(ALICE);
  const head = tcp
    ? {
        DROVER_SERVER: `http://127.0.0.1:${port}`,
        DROVER_MUNGE_SOCKET: munged.socket,
        DROVER_HOME: '/nonexistent',
      }
    : { DROVER_HOME: cluster.head.stateDir };
  return {
    PATH: `${BIN}:/usr/local/bin:/usr/bin:/bin`,
    LANG: 'C.UTF-8',
    HOME: a.home,
    USER: ALICE,
    LOGNAME: ALICE,
    TERM: 'xterm-256color',
    ...head,
  };
}

/** qsub with these arguments on a new terminal of alice's. */
function qsub(args: string[], size = { rows: 24, cols: 80 }, tcp = false): TestTerminal {
  const t = new TestTerminal(join(BIN, 'qsub'), args, {
    env: aliceEnv(tcp),
    cwd: dir,
    as: account(ALICE),
    ...size,
  });
  terminals.push(t);
  return t;
}

/** An interactive job on `node`, its shell ready: the terminal, the job's id, where its output begins. */
async function ready(node: string, more: string[] = [], size?: { rows: number; cols: number }, tcp = false) {
  const t = qsub(['-I', '-l', `select=1:ncpus=1:host=${node}`, ...more], size, tcp);
  const id = (await t.waitFor(/qsub: waiting for job (\S+) to start\r\n/))[1]!;
  const at = (await t.waitFor(new RegExp(`qsub: job ${id.replace(/[.[\]]/g, '\\$&')} ready\\r\\n\\r\\n`)))
    .index!;
  return { t, id, at };
}

/** The terminal is cooked and echoing again, as before qsub. */
function expectRestored(t: TestTerminal): void {
  const modes = t.modes();
  expect(modes).toMatch(/(^|\s)icanon(\s|$)/m);
  expect(modes).toMatch(/(^|\s)echo(\s|$)/m);
  expect(modes).toMatch(/(^|\s)isig(\s|$)/m);
}

const esc = (s: string) => s.replace(/[.[\]]/g, '\\$&');
// (the shell's lines start after CR LF, or after a bare CR where readline has just switched its
// bracketed paste off: `\e[?2004l\r`)

describe.each([
  ['the local node', LOCAL],
  ['an SSH node', SSH_NODE],
])('qsub -I on %s', (_where, node) => {
  it("gives a login shell as the job's user with the job's environment; the shell's exit status is qsub's", async () => {
    const { t, id, at } = await ready(node);
    t.type(
      'echo "id=$PBS_JOBID env=$PBS_ENVIRONMENT user=$(id -un) tty=$(tty) tmp=$TMPDIR ' +
        'nodes=$(cat $PBS_NODEFILE) term=$TERM login=$(shopt -q login_shell && echo yes) ' +
        'qstat=$(command -v qstat)"; exit 3\r',
    );
    const shown = await t.waitFor(
      /id=(\S+) env=(\S+) user=(\S+) tty=(\S+) tmp=(\S+) nodes=(\S+) term=(\S+) login=(\S*) qstat=(\S*)\r\n/,
      at,
    );
    const host = node === LOCAL ? LOCAL : '127.0.0.160';
    // Drover's commands first on PATH after the login profile (Debian's sets PATH anew)
    const agentDir = node === LOCAL ? join(cluster.head.stateDir, 'local-node') : cluster.node(node).agentDir;
    expect(shown.slice(1), shown[0]).toEqual([
      id,
      'PBS_INTERACTIVE',
      ALICE,
      expect.stringMatching(/^\/dev\/pts\/\d+$/),
      expect.stringMatching(new RegExp(`/pbs\\.${esc(id)}$`)),
      host,
      'xterm-256color',
      'yes',
      join(agentDir, 'bin', 'qstat'),
    ]);
    await t.waitFor(new RegExp(`\\r\\nqsub: job ${esc(id)} completed\\r\\n`), at);
    expect(await t.exited).toBe(3);
    expectRestored(t);
    const j = await cluster.head.waitState(id, 'F');
    expect(j).toMatchObject({ interactive: 'True', Rerunable: 'False', Exit_status: 3, Job_Name: 'STDIN' });
    expect(String(j.exec_host)).toMatch(new RegExp(`^${node}/`));
    // no output files: the job's output was the terminal
    expect(readdirSync(dir).filter((f) => f.startsWith('STDIN.'))).toEqual([]);
  });

  it("passes the window's size, and its changes, to the job's terminal", async () => {
    const { t, id, at } = await ready(node, [], { rows: 33, cols: 101 });
    t.type('stty size\r');
    await t.waitFor(/[\r\n]33 101\r\n/, at);
    const from = t.output.length;
    t.type('until [ "$(stty size)" = "40 132" ]; do sleep 0.05; done; echo "resized to $(stty size)"\r');
    await t.waitFor(/until \[/, from); // the shell has the line
    t.resize(40, 132);
    await t.waitFor(/[\r\n]resized to 40 132\r\n/, from);
    t.type('exit\r');
    await t.waitFor(new RegExp(`qsub: job ${esc(id)} completed`), from);
    expect(await t.exited).toBe(0);
  });

  it('^C interrupts what runs in the shell and ^Z stops it, without ending the job', async () => {
    const { t, id, at } = await ready(node);
    t.type("sh -c 'echo ready-to-interrupt; exec sleep 100'\r");
    await t.waitFor(/[\r\n]ready-to-interrupt\r\n/, at);
    t.type('\x03');
    t.type('echo "status $?"\r');
    await t.waitFor(/[\r\n]status 130\r\n/, at);
    // job control: ^Z stops the foreground job, fg resumes it (its CONT trap says so), ^C ends it
    t.type(`sh -c 'trap "echo con""tinued" CONT; echo ready-to-stop; while :; do sleep 0.1; done'\r`);
    await t.waitFor(/[\r\n]ready-to-stop\r\n/, at);
    t.type('\x1a');
    await t.waitFor(/[\r\n]\[1\]\+\s+Stopped\s+sh -c/, at);
    t.type('fg\r');
    await t.waitFor(/[\r\n]continued\r\n/, at);
    t.type('\x03');
    t.type('echo "alive $((6*7)) $(jobs | wc -l)"; exit 5\r');
    await t.waitFor(/[\r\n]alive 42 0\r\n/, at);
    await t.waitFor(new RegExp(`qsub: job ${esc(id)} completed`), at);
    expect(await t.exited).toBe(5);
    expect((await cluster.head.waitState(id, 'F')).Exit_status).toBe(5);
  });

  it('qmsg writes on its terminal; qdel ends qsub with PBS\'s "completed" line and the terminal back', async () => {
    const { t, id, at } = await ready(node);
    t.type('echo "in the"" shell"\r');
    await t.waitFor(/[\r\n]in the shell\r\n/, at);
    // qmsg writes on the job's terminal, as MoM writes to an interactive job's pty
    expect((await runAs(ALICE, cluster.head, 'qmsg', ['a word from qmsg', id], { cwd: dir })).code).toBe(0);
    await t.waitFor(/a word from qmsg\r\n/, at);
    const del = await runAs(ALICE, cluster.head, 'qdel', [id], { cwd: dir });
    expect(del).toMatchObject({ code: 0, stderr: '' });
    await t.waitFor(new RegExp(`\\r\\nqsub: job ${esc(id)} completed\\r\\n`), at);
    const code = await t.exited;
    expectRestored(t);
    const j = await cluster.head.waitState(id, 'F');
    expect(code).toBe(Number(j.Exit_status) & 0xff);
    expect(code).not.toBe(0);
  });
});

describe('qsub -I output', () => {
  it('relays more output than the agent may send unacknowledged (256 KiB), all of it, in order', async () => {
    const { t, id, at } = await ready(SSH_NODE);
    t.type('seq 1 80000; echo "all"" sent"; exit 0\r');
    await t.waitFor(/[\r\n]all sent\r\n/, at);
    const all = Array.from({ length: 80000 }, (_, i) => `${i + 1}\r\n`).join('');
    expect(t.output.slice(at).includes(`\r${all}all sent\r\n`)).toBe(true);
    await t.waitFor(new RegExp(`qsub: job ${esc(id)} completed`), at);
    expect(await t.exited).toBe(0);
  });
});

describe('qsub -I input', () => {
  it('relays more input than the head forwards unacknowledged (64 KiB), all of it, in order', async () => {
    const { t, id, at } = await ready(SSH_NODE);
    // 2048 lines of 100 bytes, each its number and a letter that changes from line to line
    const lines = Array.from(
      { length: 2048 },
      (_, i) => `${String(i).padStart(6, '0')} ${String.fromCharCode(97 + (i % 26)).repeat(92)}\n`,
    );
    const pasted = lines.join('');
    const sha = createHash('sha256').update(pasted).digest('hex');
    t.type('stty -echo; echo "paste"" now"; cat > "$TMPDIR/pasted"; stty echo; ');
    t.type('echo "got $(wc -c < "$TMPDIR/pasted") $(sha256sum < "$TMPDIR/pasted")"; exit 0\r');
    await t.waitFor(/[\r\n]paste now\r\n/, at);
    t.type(`${pasted}\x04`); // ^D at the start of a line: cat's end of file
    const got = await t.waitFor(/[\r\n]got (\d+) ([0-9a-f]+) {2}-\r\n/, at, 60_000);
    expect(got.slice(1)).toEqual([String(pasted.length), sha]);
    await t.waitFor(new RegExp(`qsub: job ${esc(id)} completed`), at);
    expect(await t.exited).toBe(0);
  });

  it("qmsg's control characters (ESC, BEL, CR) do not reach the terminal; its newline does", async () => {
    const { t, id, at } = await ready(LOCAL);
    t.type('echo "in the"" shell"\r');
    await t.waitFor(/[\r\n]in the shell\r\n/, at);
    const from = t.output.length;
    const text = 'red \x1b[31malert\x07 over\rwritten\x9b2J\ttab\nnext line';
    expect((await runAs(ALICE, cluster.head, 'qmsg', [text, id], { cwd: dir })).code).toBe(0);
    await t.waitFor(/next line\r\n/, from);
    const shown = t.output.slice(
      t.output.indexOf('red ', from),
      t.output.indexOf('next line\r\n', from) + 'next line\r\n'.length,
    );
    expect(shown).toBe('red [31malert overwritten2J\ttab\r\nnext line\r\n');
    t.type('exit\r');
    await t.waitFor(new RegExp(`qsub: job ${esc(id)} completed`), at);
    expect(await t.exited).toBe(0);
  });

  it.each([
    ['a line without its newline past 64 KiB', `{"t":"in","data":"${'A'.repeat(100_000)}`],
    ['an input frame of more than 16 KiB', `${JSON.stringify({ t: 'in', data: 'A'.repeat(24_000) })}\n`],
  ])('%s closes that connection only: the head answers on', async (_what, sent) => {
    const { id, closed } = await terminalClient(sent);
    expect(closed).toBe(true);
    // qsub went away before the job ran: the job is deleted, as when qsub is killed
    expect((await cluster.head.waitState(id, 'F')).Exit_status).toBeUndefined();
    const r = await runAs(ALICE, cluster.head, 'qstat', ['-x', id], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').find((l) => l.startsWith(id.split('.')[0]!))).toMatch(/\sF\s/);
  });
});

/**
 * A terminal client as alice (who alone may have her job's terminal), made of qsub's own parts
 * (dist/): it submits a held interactive job, upgrades to its terminal, sends `sent`, and says
 * whether the head closed the connection (within 20 s).
 */
async function terminalClient(sent: string): Promise<{ id: string; closed: boolean }> {
  const script = `
    const d = (p) => import(${JSON.stringify(join(ROOT, 'dist'))} + '/' + p);
    const { parseQsubCommandLine } = await d('core/pbs/qsub-command-line.js');
    const { buildJobSpec } = await d('core/pbs/job-spec.js');
    const { submitPlace } = await d('cli/command.js');
    const { api } = await d('cli/client.js');
    const { openTerminalLink } = await d('cli/terminal-link.js');
    const argv = ['-I', '-h'];
    const cmdline = parseQsubCommandLine(argv, { torque: false });
    const spec = buildJobSpec({ cmdline: cmdline.value, scriptName: 'STDIN', env: process.env,
      ...submitPlace(), argv, torque: false });
    const reply = await api('POST', '/v1/jobs', { spec: spec.value });
    if (!reply.ok) throw new Error(JSON.stringify(reply.error));
    const link = await openTerminalLink(reply.body.id, { rows: 24, cols: 80 });
    link.socket.on('error', () => {});
    const closed = new Promise((resolve) => link.socket.on('close', () => resolve(true)));
    link.socket.write(process.env.SENT);
    const timeout = new Promise((resolve) => setTimeout(() => resolve(false), 20000));
    console.log(JSON.stringify({ id: reply.body.id, closed: await Promise.race([closed, timeout]) }));
    process.exit(0);
  `;
  const r = await runAs(ALICE, cluster.head, process.execPath, ['--input-type=module', '-e', script], {
    cwd: dir,
    env: { SENT: sent },
  });
  expect(r, r.stderr).toMatchObject({ code: 0, stderr: '' });
  return JSON.parse(r.stdout) as { id: string; closed: boolean };
}

describe('qsub -I over TCP', () => {
  it('reaches its terminal with a MUNGE credential made for the upgrade, as every other request', async () => {
    const { t, id, at } = await ready(SSH_NODE, [], undefined, true);
    t.type('echo "over ""tcp $PBS_JOBID"; exit 7\r');
    await t.waitFor(new RegExp(`[\\r\\n]over tcp ${esc(id)}\\r\\n`), at);
    await t.waitFor(new RegExp(`qsub: job ${esc(id)} completed`), at);
    expect(await t.exited).toBe(7);
  });
});

describe('qsub -I, how it ends', () => {
  it("a walltime that runs out kills the job with PBS's notice on the terminal", async () => {
    const { t, id, at } = await ready(LOCAL, ['-l', 'walltime=00:00:02']);
    await t.waitFor(/=>> PBS: job killed: walltime \d+ exceeded limit 2\r\n/, at);
    await t.waitFor(new RegExp(`qsub: job ${esc(id)} completed\\r\\n`), at);
    expect(await t.exited).toBe(-29 & 0xff);
    expectRestored(t);
    expect((await cluster.head.waitState(id, 'F')).Exit_status).toBe(-29);
  });

  it('qsub -I -- program: the program runs on the terminal instead of a shell', async () => {
    const { t, id, at } = await ready(LOCAL, [
      '--',
      '/bin/sh',
      '-c',
      'read x; echo "got $x from $(tty)"; exit 6',
    ]);
    t.type('hello\r');
    await t.waitFor(/[\r\n]got hello from \/dev\/pts\/\d+\r\n/, at);
    await t.waitFor(new RegExp(`qsub: job ${esc(id)} completed`), at);
    expect(await t.exited).toBe(6);
  });

  it('a job deleted before it starts: "apparently deleted", exit 1', async () => {
    const t = qsub(['-I', '-h']);
    const id = (await t.waitFor(/qsub: waiting for job (\S+) to start\r\n/))[1]!;
    await cluster.head.waitState(id, 'H');
    expect((await runAs(ALICE, cluster.head, 'qdel', [id], { cwd: dir })).code).toBe(0);
    await t.waitFor(new RegExp(`qsub: job ${esc(id)} apparently deleted\\r\\n`));
    expect(await t.exited).toBe(1);
    expectRestored(t);
  });

  it('qsub killed while the shell runs: the terminal is put back and the job is hung up', async () => {
    const { t, id, at } = await ready(LOCAL);
    t.type('echo "up"" and running"\r');
    await t.waitFor(/[\r\n]up and running\r\n/, at);
    process.kill(t.pid!, 'SIGTERM');
    expect(await t.exited).toBe(128 + 15);
    expectRestored(t);
    const j = await cluster.head.waitState(id, 'F');
    expect(Number(j.Exit_status)).toBe(256 + 1); // the shell's SIGHUP
  });

  it('^C while the job waits asks whether to delete it: n waits on, y deletes it', async () => {
    const t = qsub(['-I', '-h']);
    const id = (await t.waitFor(/qsub: waiting for job (\S+) to start\r\n/))[1]!;
    await cluster.head.waitState(id, 'H');
    const question = /Do you wish to terminate the job and exit \(y\|\[n\]\)\? /;
    t.type('\x03');
    await t.waitFor(question);
    t.type('maybe\r');
    await t.waitFor(/yes or no please\r\n/);
    t.type('n\r');
    expect((await runAs(ALICE, cluster.head, 'qrls', [id], { cwd: dir })).code).toBe(0);
    await t.waitFor(new RegExp(`qsub: job ${esc(id)} ready\r\n`));
    t.type('exit 4\r');
    expect(await t.exited).toBe(4);

    const u = qsub(['-I', '-h']);
    const other = (await u.waitFor(/qsub: waiting for job (\S+) to start\r\n/))[1]!;
    await cluster.head.waitState(other, 'H');
    u.type('\x03');
    await u.waitFor(question);
    u.type('y\r');
    await u.waitFor(new RegExp(`Job ${esc(other)} is being deleted\r\n`));
    expect(await u.exited).toBe(0);
    expect((await cluster.head.waitState(other, 'F')).Exit_status).toBeUndefined();
  });
});

describe('qsub -I refusals', () => {
  it("-I with -J: PBS's message and exit 2", async () => {
    const t = qsub(['-I', '-J', '1-2']);
    expect(`${await t.exited} ${t.output}`).toMatch(/^2 /);
    expect(t.output).toMatch(
      /^qsub: interactive and array job submission cannot be used together\r\nusage: qsub /,
    );
  });

  it("-I without a terminal on stdin: PBS's message and exit 1; nothing is submitted", async () => {
    const r = await runAs(ALICE, cluster.head, 'qsub', ['-I'], { cwd: dir, input: 'echo hi\n' });
    expect(r).toEqual({
      code: 1,
      stdout: '',
      stderr: 'qsub:\tstandard input and output must be a terminal for\n\tinteractive job submission\n',
    });
  });

  it('-X: DISPLAY must be set, -I must be given, and X11 forwarding is refused', async () => {
    const x = (args: string[], display?: string) =>
      runAs(ALICE, cluster.head, 'qsub', args, { cwd: dir, env: display ? { DISPLAY: display } : {} });
    const noDisplay = await x(['-I', '-X']);
    expect(noDisplay.code).toBe(2);
    expect(noDisplay.stderr).toMatch(/^qsub: DISPLAY not set\nusage: qsub /);
    expect(await x(['-X', '--', '/bin/true'], ':0')).toMatchObject({
      code: 1,
      stderr: 'qsub: X11 Forwarding possible only for interactive jobs\n',
    });
    const forwarded = await x(['-I', '-X'], ':0');
    expect(forwarded.code).toBe(1);
    expect(forwarded.stderr).toMatch(/^qsub: X11 forwarding \(-X\) is not supported/);
  });

  it("only the job's owner gets its terminal, and only an interactive job has one", async () => {
    const t = qsub(['-I', '-h']);
    const id = (await t.waitFor(/qsub: waiting for job (\S+) to start\r\n/))[1]!;
    // root is a manager here, and still not alice
    expect(await upgrade(id)).toMatchObject({ status: 403, body: { code: 'UNAUTHORIZED' } });
    const batch = await cluster.head.submit(['-h', '--', '/bin/true']);
    expect(await upgrade(batch)).toMatchObject({
      status: 400,
      body: { code: 'INVALID_REQUEST', message: `job ${batch} is not interactive` },
    });
    expect((await runAs(ALICE, cluster.head, 'qdel', [id], { cwd: dir })).code).toBe(0);
    expect(await t.exited).toBe(1);
    await cluster.head.run('qdel', [batch]);
  });
});

/** The head's answer to a terminal upgrade of job `id` from this process (root) over head.sock. */
function upgrade(id: string): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({
      socketPath: join(cluster.head.stateDir, 'head.sock'),
      path: `/v1/jobs/${encodeURIComponent(id)}/terminal?rows=24&cols=80`,
      headers: { connection: 'Upgrade', upgrade: 'drover-terminal' },
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (d: Buffer) => {
        body += d.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(body) }));
    });
    req.on('upgrade', (_res, socket) => {
      socket.destroy();
      reject(new Error('upgraded'));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('qsub -I when the head goes away', () => {
  it('says so, gives the terminal back and exits non-zero', async () => {
    const { t, id, at } = await ready(LOCAL);
    t.type('echo "still"" here"\r');
    await t.waitFor(/[\r\n]still here\r\n/, at);
    await cluster.head.kill9();
    await t.waitFor(
      new RegExp(`qsub: lost the connection to server \\S+: job ${esc(id)} loses its terminal\\r\\n`),
      at,
    );
    expect(await t.exited).toBe(1);
    expectRestored(t);
  });
});
