// The drover-exec launcher on real processes (the tests run as root): it becomes the job's user with
// all supplementary groups, applies the umask, creates private directories and changes directory as
// that user, sets argv[0], and reports any failure as one line on --error-fd with exit status 127.
import { type SpawnOptions, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Account, groupsOf, launchArgs, launcherPath, userByName } from '../../native/native.js';

const USER = 'drv-native';
const GROUP = 'drv-native-g';
const USERS_GID = 100; // Debian's "users" group, the dedicated user's primary group
const NOBODY = 65534;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  errors: string; // what the launcher wrote on fd 3
}

// Run the launcher with fd 3 as an error pipe; `as` runs the launcher itself as another uid/gid.
function run(
  args: string[],
  opts: { as?: number; launcher?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<Run> {
  const spawnOpts: SpawnOptions = { stdio: ['ignore', 'pipe', 'pipe', 'pipe'], env: opts.env ?? process.env };
  if (opts.as !== undefined) Object.assign(spawnOpts, { uid: opts.as, gid: opts.as });
  const child = spawn(opts.launcher ?? launcherPath(), args, spawnOpts);
  const out = { stdout: '', stderr: '', errors: '' };
  child.stdout!.on('data', (d: Buffer) => (out.stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out.stderr += d.toString()));
  child.stdio[3]!.on('data', (d: Buffer) => (out.errors += d.toString()));
  const fd3Closed = new Promise<void>((resolve) => child.stdio[3]!.on('close', () => resolve()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => void fd3Closed.then(() => resolve({ code, ...out })));
  });
}

// useradd/groupadd lock /etc/passwd and /etc/group: exit 10 means another process holds the lock.
async function admin(cmd: string, args: string[], ok: number[]): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    if (r.status !== null && ok.includes(r.status)) return;
    if (r.status !== 10 || attempt >= 50)
      throw new Error(`${cmd} ${args.join(' ')}: ${r.status} ${r.stderr}`);
    await sleep(100 + Math.random() * 100);
  }
}

let base: string; // 0755, root's
let home: string; // 0700, the dedicated user's
let rootOnly: string; // 0700, root's
let user: Account;

beforeAll(async () => {
  expect(process.getuid!()).toBe(0);
  // Race-safe with other test files: -f and "already exists" (9) are success.
  await admin('groupadd', ['-f', GROUP], [0, 9]);
  await admin('useradd', ['-M', '-N', '-g', 'users', '-G', GROUP, USER], [0, 9]);
  user = userByName(USER)!;
  expect(user).not.toBeNull();

  base = mkdtempSync(join(tmpdir(), 'drover-native-launcher-'));
  chmodSync(base, 0o755);
  home = join(base, 'home');
  mkdirSync(home, { mode: 0o700 });
  chownSync(home, user.uid, USERS_GID);
  rootOnly = join(base, 'root-only');
  mkdirSync(rootOnly, { mode: 0o700 });
});

afterAll(() => {
  if (base) rmSync(base, { recursive: true, force: true });
});

const asUser = () => ({ uid: user.uid, gid: USERS_GID, errorFd: 3 });

describe('drover-exec: becoming the user', () => {
  it('sets uid, gid and the supplementary groups of the user, not root’s', async () => {
    const r = await run(launchArgs(asUser(), 'sh', ['-c', 'id -u; id -ru; id -g; id -rg; id -G']));
    expect(r).toMatchObject({ code: 0, errors: '', stderr: '' });
    const [uid, ruid, gid, rgid, groups] = r.stdout.trim().split('\n');
    expect([uid, ruid, gid, rgid]).toEqual([`${user.uid}`, `${user.uid}`, `${USERS_GID}`, `${USERS_GID}`]);
    const gids = groups!.split(' ').map(Number);
    const expected = groupsOf(USER, USERS_GID);
    expect(new Set(gids)).toEqual(new Set(expected));
    // The supplementary group really is there (the point of initgroups) and root's group is not.
    const extra = spawnSync('getent', ['group', GROUP], { encoding: 'utf8' }).stdout.split(':')[2];
    expect(gids).toContain(Number(extra));
    expect(gids).not.toContain(0);
  });

  it('drops to nobody with nobody’s groups only', async () => {
    const r = await run(launchArgs({ uid: NOBODY, gid: NOBODY, errorFd: 3 }, 'id', ['-G']));
    expect(r).toMatchObject({ code: 0, errors: '', stdout: `${NOBODY}\n` });
  });

  it('refuses a uid without a passwd entry', async () => {
    const r = await run(launchArgs({ uid: 3_999_999, gid: 3_999_999, errorFd: 3 }, 'true', []));
    expect(r.code).toBe(127);
    expect(r.errors).toBe('drover-exec: getpwuid 3999999: no passwd entry for this uid\n');
  });

  it('run by a non-root user, fails with EPERM for another uid and needs no switch for its own', async () => {
    // A copy in a world-readable directory, so the test does not depend on the repository's modes.
    const launcher = join(base, 'drover-exec');
    copyFileSync(launcherPath(), launcher);
    chmodSync(launcher, 0o755);
    const other = await run(launchArgs(asUser(), 'id', ['-u']), { as: NOBODY, launcher });
    expect(other).toMatchObject({ code: 127, stdout: '' });
    expect(other.errors).toBe('drover-exec: initgroups: Operation not permitted\n');

    const own = await run(
      launchArgs({ uid: NOBODY, gid: NOBODY, umask: 0o027, errorFd: 3 }, 'sh', ['-c', 'id -u; umask']),
      {
        as: NOBODY,
        launcher,
      },
    );
    expect(own).toMatchObject({ code: 0, errors: '', stdout: `${NOBODY}\n0027\n` });
  });
});

describe('drover-exec: umask, private directories, start directory', () => {
  it('applies the umask to files the program creates', async () => {
    const file = join(home, 'umask-077');
    const r = await run(
      launchArgs({ ...asUser(), umask: 0o077, cds: [home] }, 'sh', ['-c', 'umask; echo x > umask-077']),
    );
    expect(r).toMatchObject({ code: 0, errors: '', stdout: '0077\n' });
    const st = statSync(file);
    expect(st.mode & 0o777).toBe(0o600);
    expect(st.uid).toBe(user.uid);
  });

  it('creates a 0700 directory owned by the user, whatever the umask, and can start in it', async () => {
    const dir = join(home, 'job-tmp');
    const r = await run(launchArgs({ ...asUser(), umask: 0o777, mkdirs: [dir], cds: [dir] }, 'pwd', []));
    expect(r).toMatchObject({ code: 0, errors: '', stdout: `${dir}\n` });
    const st = lstatSync(dir);
    expect(st.isDirectory()).toBe(true);
    expect(st.mode & 0o7777).toBe(0o700);
    expect([st.uid, st.gid]).toEqual([user.uid, USERS_GID]);
  });

  it('forces exactly 0700 even under a set-gid parent', async () => {
    const parent = join(home, 'setgid-parent');
    mkdirSync(parent);
    chownSync(parent, user.uid, USERS_GID);
    chmodSync(parent, 0o2755);
    const dir = join(parent, 'job-tmp');
    const r = await run(launchArgs({ ...asUser(), mkdirs: [dir] }, 'true', []));
    expect(r).toMatchObject({ code: 0, errors: '' });
    expect(lstatSync(dir).mode & 0o7777).toBe(0o700);
  });

  it('refuses a path that already exists: a directory, a file, a planted symlink', async () => {
    const existing = join(home, 'exists');
    mkdirSync(existing, { mode: 0o755 });
    chownSync(existing, user.uid, USERS_GID);
    // A symlink planted where the private dir should go, pointing at a root directory (live) or at
    // nothing (dangling): neither the target nor its mode may change, nothing may be created.
    const target = join(base, 'target');
    mkdirSync(target, { mode: 0o755 });
    const live = join(home, 'live-link');
    symlinkSync(target, live);
    const dangling = join(home, 'dangling-link');
    const nowhere = join(base, 'nowhere');
    symlinkSync(nowhere, dangling);

    const file = join(home, 'a-file');
    writeFileSync(file, 'x');
    for (const path of [existing, file, live, dangling]) {
      const r = await run(launchArgs({ ...asUser(), mkdirs: [path] }, 'echo', ['ran']));
      expect(r).toMatchObject({ code: 127, stdout: '' });
      expect(r.errors).toBe(`drover-exec: mkdir ${path}: File exists\n`);
    }
    const t = statSync(target);
    expect([t.mode & 0o7777, t.uid]).toEqual([0o755, 0]);
    expect(readlinkSync(live)).toBe(target);
    expect(() => lstatSync(nowhere)).toThrow(/ENOENT/);
    expect(statSync(existing).mode & 0o7777).toBe(0o755);
  });

  it('changes directory as the user: falls back past a directory only root may enter', async () => {
    const asRoot = await run(launchArgs({ cds: [rootOnly, home], errorFd: 3 }, 'pwd', []));
    expect(asRoot).toMatchObject({ code: 0, stdout: `${rootOnly}\n` }); // root could enter the first
    const r = await run(launchArgs({ ...asUser(), cds: [join(base, 'missing'), rootOnly, home] }, 'pwd', []));
    expect(r).toMatchObject({ code: 0, errors: '', stdout: `${home}\n` });
  });

  it('fails naming every directory when none can be entered, and keeps the cwd without --cd', async () => {
    const r = await run(launchArgs({ ...asUser(), cds: [join(base, 'missing'), rootOnly] }, 'pwd', []));
    expect(r).toMatchObject({ code: 127, stdout: '' });
    expect(r.errors).toBe(`drover-exec: cd ${join(base, 'missing')}, ${rootOnly}: Permission denied\n`);

    const child = spawnSync(launcherPath(), launchArgs({}, 'pwd', []), { cwd: base, encoding: 'utf8' });
    expect(child.stdout).toBe(`${base}\n`);
  });
});

describe('drover-exec: exec', () => {
  it('sets argv[0], e.g. a login-shell name', async () => {
    const env = { PATH: process.env.PATH, HOME: home };
    const r = await run(
      launchArgs({ ...asUser(), argv0: '-sh', cds: [home] }, '/bin/sh', ['-c', 'echo $0']),
      { env },
    );
    expect(r).toMatchObject({ code: 0, errors: '', stdout: '-sh\n' });
  });

  it('passes the environment through unchanged', async () => {
    const env = { PATH: process.env.PATH, DROVER_TEST_VALUE: 'a b\tc' };
    const r = await run(launchArgs(asUser(), 'sh', ['-c', 'printf %s "$DROVER_TEST_VALUE"']), { env });
    expect(r).toMatchObject({ code: 0, stdout: 'a b\tc' });
  });

  it('reports a missing program as one line on the error fd with status 127', async () => {
    const r = await run(launchArgs(asUser(), '/no/such/shell', ['-c', 'true']));
    expect(r).toMatchObject({ code: 127, stdout: '', stderr: '' });
    expect(r.errors).toBe('drover-exec: exec /no/such/shell: No such file or directory\n');
  });

  it('closes the error fd on a successful exec (the program never sees it)', async () => {
    const probe = ['-c', 'if [ -e /proc/$$/fd/3 ]; then echo open; else echo closed; fi'];
    const r = await run(launchArgs(asUser(), 'sh', probe));
    expect(r).toMatchObject({ code: 0, errors: '', stdout: 'closed\n' });
    // Control: without --error-fd the inherited fd 3 stays open in the program.
    const inherited = await run(launchArgs({ uid: user.uid, gid: USERS_GID }, 'sh', probe));
    expect(inherited).toMatchObject({ code: 0, stdout: 'open\n' });
  });

  it('parses its command line strictly', async () => {
    const cases: [string[], string][] = [
      [['--error-fd', '3', '--bogus', 'x', '--', 'true'], 'unknown option --bogus'],
      [['--error-fd', '3', '--uid', '0', '--', 'true'], '--uid and --gid go together'],
      [['--error-fd', '3', '--umask', '0800', '--', 'true'], '--umask must be octal 000..777'],
      [['--error-fd', '3', '--uid', '-1', '--gid', '0', '--', 'true'], '--uid must be a decimal uid'],
      [['--error-fd', '3', 'true'], 'unknown option true'],
      [['--error-fd', '3', '--'], 'missing program after --'],
    ];
    for (const [args, reason] of cases) {
      const r = await run(args);
      expect(r).toMatchObject({ code: 127, stdout: '', errors: `drover-exec: usage: ${reason}\n` });
    }
    const noFd = await run(['--bogus', 'x', '--', 'true']);
    expect(noFd).toMatchObject({
      code: 127,
      errors: '',
      stderr: 'drover-exec: usage: unknown option --bogus\n',
    });
  });

  it('builds argv for the launcher', () => {
    expect(
      launchArgs(
        { uid: 5, gid: 6, umask: 0o22, mkdirs: ['/t/a'], cds: ['/h', '/'], argv0: '-bash', errorFd: 3 },
        'bash',
        ['-c', 'x'],
      ),
    ).toEqual([
      '--error-fd',
      '3',
      '--uid',
      '5',
      '--gid',
      '6',
      '--umask',
      '022',
      '--mkdir',
      '/t/a',
      '--cd',
      '/h',
      '--cd',
      '/',
      '--argv0',
      '-bash',
      '--',
      'bash',
      '-c',
      'x',
    ]);
    expect(() => launchArgs({ uid: 5 }, 'true', [])).toThrow(/together/);
    expect(() => launchArgs({ umask: 0o1000 }, 'true', [])).toThrow(RangeError);
  });
});
