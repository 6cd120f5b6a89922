// The native pieces of interactive jobs on real processes: a pseudo-terminal pair from openPty, its
// size set with setWindowSize, and the launcher's --ctty (the terminal becomes the session's
// controlling terminal) and --wait-fd (the program starts only once released).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { closeSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { ReadStream } from 'node:tty';
import { afterEach, describe, expect, it } from 'vitest';
import { launchArgs, launcherPath, openPty, setWindowSize } from '../../native/native.js';

const open: { close(): void }[] = [];
afterEach(() => {
  for (const o of open.splice(0)) o.close();
});

/** A pair, read from its master; closed after the test. */
function pty() {
  const pair = openPty();
  const master = new ReadStream(pair.master);
  let output = '';
  master.on('data', (d: Buffer) => {
    output += d.toString();
  });
  master.on('error', () => {});
  open.push({
    close: () => {
      master.destroy();
      try {
        closeSync(pair.slave);
      } catch {
        // closed by the test
      }
    },
  });
  return { ...pair, output: () => output };
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe('openPty and setWindowSize', () => {
  it('gives a terminal pair whose size the master sets', () => {
    const p = pty();
    expect(p.path).toMatch(/^\/dev\/pts\/\d+$/);
    setWindowSize(p.master, 33, 101);
    expect(execFileSync('stty', ['-F', p.path, 'size'], { encoding: 'utf8' })).toBe('33 101\n');
    expect(() => setWindowSize(-1, 1, 1)).toThrow(RangeError);
    expect(() => setWindowSize(p.master, 70000, 1)).toThrow(RangeError);
  });
});

describe('drover-exec --ctty and --wait-fd', () => {
  it('makes the terminal the controlling terminal of the launched session', async () => {
    const p = pty();
    const args = launchArgs({ ctty: true }, '/bin/sh', [
      '-c',
      'echo "tty=$(tty) pgrp=$(ps -o tpgid= -p $$)"',
    ]);
    const child = spawn(launcherPath(), args, { detached: true, stdio: [p.slave, p.slave, p.slave] });
    expect(await exited(child)).toBe(0);
    // the shell's process group is the terminal's foreground group: it has job control and ^C
    expect(p.output()).toMatch(new RegExp(`tty=${p.path} pgrp=\\s*${child.pid}\\r\\n`));
  });

  it('refuses --ctty outside a session of its own', async () => {
    const p = pty();
    const args = launchArgs({ ctty: true }, '/bin/true', []);
    const child = spawn(launcherPath(), args, { stdio: [p.slave, 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
    });
    expect(await exited(child)).toBe(127);
    expect(err).toMatch(/^drover-exec: --ctty: ioctl\(TIOCSCTTY\): /);
  });

  it('starts the program only once a byte arrives on --wait-fd, and fails at its end without one', async () => {
    const run = (release: (w: Writable) => void) => {
      const child = spawn(launcherPath(), launchArgs({ waitFd: 3 }, '/bin/echo', ['started']), {
        stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
      });
      child.stderr!.on('data', (d: Buffer) => {
        out += d.toString();
      });
      release(child.stdio[3] as Writable);
      return exited(child).then((code) => ({ code, out }));
    };
    expect(await run((w) => w.end('g'))).toEqual({ code: 0, out: 'started\n' });
    expect(await run((w) => w.end())).toEqual({ code: 127, out: 'drover-exec: --wait-fd: not released\n' });
    expect(() => launchArgs({ waitFd: 2 }, '/bin/true', [])).toThrow(RangeError);
  });
});
