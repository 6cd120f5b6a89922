import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { buildFarmSpec } from '../../core/farm/farm-options.js';
import { MISSING_FRAMES_STATUS, postScript, taskScript } from '../../core/farm/farm-script.js';
import type { FarmSpec } from '../../core/job-spec-types.js';

const input = (argv: string[]) => ({
  argv,
  env: { HOME: '/home/u', PATH: '/usr/bin' },
  cwd: '/home/u/shots',
  host: 'ws1',
  user: 'u',
  now: 1_700_000_000,
});

describe('render-farm submit options', () => {
  it('builds an array job spec with the farm, its defaults and the qsub attributes', () => {
    const r = buildFarmSpec(
      input([
        '--name',
        'shot',
        '--frames',
        '1-10x3',
        '--chunk',
        '2',
        '--priority',
        '5',
        '--timeout',
        '10:00',
        '--stall-timeout',
        '90',
        '--select',
        'ncpus=2',
        '--then',
        'ffmpeg -i f%02d.png o.mp4',
        '--',
        'povray',
        '+K{frame}',
      ]),
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.farm).toEqual({
      frames: [1, 4, 7, 10],
      chunk: 2,
      command: ['povray', '+K{frame}'],
      retries: 3,
      nodeFailures: 3,
      stallTimeout: 90,
      timeout: 600,
      thenCommand: 'ffmpeg -i f%02d.png o.mp4',
    });
    expect(r.value).toMatchObject({
      name: 'shot',
      priority: 5,
      join: 'oe',
      rerunable: true,
      workdir: '/home/u/shots',
    });
    expect(r.value.resources.walltime).toBe(600);
    expect(r.value.resources.chunks[0]).toMatchObject({ count: 1, ncpus: 2 });
  });

  it('refuses what cannot work, with the option named', () => {
    const message = (argv: string[]) => {
      const r = buildFarmSpec(input(argv));
      return r.ok ? 'accepted' : r.error.message;
    };
    expect(message(['--', 'povray'])).toMatch(/--frames is required/);
    expect(message(['--frames', '1-3'])).toMatch(/no command given/);
    expect(message(['--frames', '1-3', '--chunk', '0', '--', 'x'])).toMatch(
      /--chunk wants a whole number of at least 1/,
    );
    expect(message(['--frames', '1-3', '--retries', '-1', '--', 'x'])).toMatch(/--retries/);
    expect(message(['--frames', '1-3', '--stall-timeout', 'soon', '--', 'x'])).toMatch(
      /illegal --stall-timeout value "soon"/,
    );
    expect(message(['--frames', '1-3', '--bogus', '--', 'x'])).toMatch(/Unknown option '--bogus'/);
    expect(message(['--frames', '1-3', '--', 'render', '{frmae}'])).toMatch(/unknown placeholder \{frmae\}/);
  });
});

const farm = (command: string[], frames: number[], chunk: number): FarmSpec => ({
  frames,
  chunk,
  command,
  retries: 3,
  nodeFailures: 3,
});

/** Run a generated script with sh as a task of the given index, in /tmp. */
function runTask(script: string, index: number): string {
  return execFileSync('sh', ['-c', script], {
    env: { PATH: process.env.PATH, PBS_O_WORKDIR: '/tmp', PBS_ARRAY_INDEX: String(index) },
    encoding: 'utf8',
  });
}

describe('farm scripts', () => {
  it('runs a chunk command once per chunk with its range, sparse lists by position', () => {
    const s = taskScript(farm(['echo', '{start}-{end}', '{frames}', "it's"], [1, 2, 3, 7, 9], 3));
    expect(runTask(s, 1)).toBe("1-3 1..3 it's\n");
    expect(runTask(s, 2)).toBe("7-9 7,9 it's\n");
  });

  it('runs a per-frame command for each frame of the chunk, each announced, padded as asked', () => {
    const s = taskScript(farm(['echo', 'f{frame:04}', '$HOME;'], [5, 6, 8], 2));
    expect(runTask(s, 1)).toBe('render-farm: frame 5\nf0005 $HOME;\nrender-farm: frame 6\nf0006 $HOME;\n');
    expect(runTask(s, 2)).toBe('render-farm: frame 8\nf0008 $HOME;\n');
  });

  it('stops a chunk at its first failing frame, with that status', () => {
    const s = taskScript(farm(['sh', '-c', 'exit {frame}'], [0, 4], 2));
    expect(() => runTask(s, 1)).toThrow(expect.objectContaining({ status: 4 }));
  });

  it('post job: names each missing output and exits with the missing-frames status', () => {
    const s = postScript('echo assembled', [
      { frame: 1, output: '/tmp' },
      { frame: 2, output: "/nonexistent/it's.png" },
      { frame: 3 },
    ]);
    let out = '';
    try {
      runTask(s, 0);
    } catch (e) {
      out = (e as { stdout: string; status: number }).stdout;
      expect((e as { status: number }).status).toBe(MISSING_FRAMES_STATUS);
    }
    expect(out).toBe('render-farm: missing frame 2\n');
    expect(runTask(postScript('echo assembled', [{ frame: 1, output: '/tmp' }]), 0)).toBe('assembled\n');
  });
});
