// The render farm on three SSH nodes on 127.0.0.31-33: a POV-Ray animation from
// Debian's povray-examples rendered in chunks and assembled by ffmpeg; a node whose renderer
// always fails is blocklisted and the farm completes on the others; a stalled task is killed
// and retried; pause/resume; retry of given frames; a frame whose file is missing at the post
// job is rendered again first; progress moving during a long frame; kill of given frames.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FarmStatus } from '../../core/farm/farm-status.js';
import { type Cluster, slotNodes, startCluster } from '../helpers/cluster.js';
import { type TestHead, waitUntil } from '../helpers/head.js';
import { SCENE } from '../helpers/tiny-farm.js';

let cluster: Cluster;
let head: TestHead;

beforeAll(async () => {
  cluster = await startCluster({
    name: 'r',
    head: { killDelay: 1 },
    nodes: slotNodes('r', ['127.0.0.31', '127.0.0.32', '127.0.0.33']),
  });
  head = cluster.head;
});

afterAll(async () => {
  await cluster?.stop();
});

async function farm(args: string[]): Promise<string> {
  const r = await head.run('render-farm', ['submit', ...args]);
  if (r.code !== 0) throw new Error(`render-farm submit failed (${r.code}): ${r.stderr}`);
  return r.stdout.trim();
}

/** A farm whose command is `sh -c CMD`. */
const shFarm = (args: string[], cmd: string) => farm([...args, '--', 'sh', '-c', cmd]);

async function status(id: string): Promise<FarmStatus> {
  const r = await head.run('render-farm', ['status', id, '--json']);
  if (r.code !== 0) throw new Error(`render-farm status failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as FarmStatus;
}

async function until(id: string, what: string, ok: (s: FarmStatus) => boolean, ms = 60_000) {
  return waitUntil(
    async () => {
      const s = await status(id);
      return ok(s) ? s : undefined;
    },
    ms,
    what,
  );
}

/** Wait until the tasks' scripts have created these files in the work directory. */
const startedAll = (files: string[]) =>
  waitUntil(() => files.every((f) => existsSync(join(head.work, f))), 60_000, `${files.join(', ')} to exist`);

const ended = (s: FarmStatus) => s.state === 'done' || s.state === 'failed';

/** Frames of a video file, counted by decoding it. */
function videoFrames(path: string): number {
  const out = execFileSync('ffprobe', [
    '-v',
    'error',
    '-count_frames',
    '-select_streams',
    'v:0',
    '-show_entries',
    'stream=nb_read_frames',
    '-of',
    'csv=p=0',
    path,
  ]);
  return Number(out.toString().trim());
}

const pad = (n: number) => String(n).padStart(2, '0');

describe('render farm', () => {
  it('renders a POV-Ray animation in chunks over the nodes and assembles it with ffmpeg', async () => {
    const id = await farm([
      '--name',
      'ambient',
      '--frames',
      '1-20',
      '--chunk',
      '5',
      '--then',
      'ffmpeg -y -loglevel error -framerate 10 -i amb%02d.png ambient.mp4',
      '--',
      'povray',
      `+I${SCENE}`,
      '+W160',
      '+H120',
      '+KFI1',
      '+KFF20',
      '+SF{start}',
      '+EF{end}',
      '+KC',
      '-D',
      '+Oamb.png',
    ]);
    expect(id).toMatch(/^\d+\[\]\./);
    const s = await until(id, 'the farm to end', ended, 120_000);
    expect(s.state).toBe('done');
    expect(s.percent).toBe(100);
    expect(s.tasks).toBe(4);
    for (let f = 1; f <= 20; f++) {
      expect(existsSync(join(head.work, `amb${pad(f)}.png`))).toBe(true);
      const frame = s.frames.find((x) => x.frame === f)!;
      // the output file each frame reported, its task (chunk of 5 by position), its node
      expect(frame).toMatchObject({
        state: 'done',
        percent: 100,
        output: `amb${pad(f)}.png`,
        task: Math.ceil(f / 5),
      });
      expect(frame.node).toMatch(/^r[123]$/);
      expect(frame.attempts).toBe(1);
    }
    expect(s.post).toMatchObject({ state: 'F', exitStatus: 0 });
    expect(videoFrames(join(head.work, 'ambient.mp4'))).toBe(20);
    // PBS users see the farm as an array job
    const q = await head.run('qstat', ['-x', '-t']);
    const seq = id.split('[')[0]!;
    for (let t = 1; t <= 4; t++)
      expect(q.stdout).toMatch(new RegExp(`^${seq}\\[${t}\\]\\S* +ambient .* F `, 'm'));
    const log = await head.run('render-farm', ['log', id, '7']);
    expect(log.stdout).toMatch(/Rendering frame 2 of 5/);
    expect(log.stdout).toMatch(/amb07\.png/);

    // frames re-rendered on request: their files come back and the post job runs again
    rmSync(join(head.work, 'amb03.png'));
    rmSync(join(head.work, 'ambient.mp4'));
    const retry = await head.run('render-farm', ['retry', id, '--frames', '3', '--json']);
    expect(retry.code).toBe(0);
    expect(JSON.parse(retry.stdout)).toEqual({ tasks: [1], frames: [3] });
    const again = await until(
      id,
      'the retried farm to end',
      (x) => ended(x) && x.post?.id !== s.post?.id,
      120_000,
    );
    expect(again.state).toBe('done');
    expect(existsSync(join(head.work, 'amb03.png'))).toBe(true);
    expect(again.frames.filter((f) => f.task === 1).every((f) => f.attempts === 2)).toBe(true);
    expect(again.frames.filter((f) => f.task === 2).every((f) => f.attempts === 1)).toBe(true);
    expect(videoFrames(join(head.work, 'ambient.mp4'))).toBe(20);
  });

  it('blocklists a node whose renderer always fails and completes on the others', async () => {
    // the renderer is broken on r3 (127.0.0.33): every task there fails at once; the others
    // wait on a gate, so that r3 takes queued tasks until it is blocklisted
    const gate = join(head.work, 'broken.gate');
    const cmd = `grep -qx 127.0.0.33 "$PBS_NODEFILE" && { echo "renderer crashed on $(cat "$PBS_NODEFILE")"; exit 3; }; while [ ! -e ${gate} ]; do sleep 0.1; done; echo "PROGRESS: 100%" > bl{frame}.txt; echo done`;
    const id = await shFarm(['--name', 'broken', '--frames', '1-6', '--node-failures', '2'], cmd);
    const blocked = await until(id, 'r3 blocklisted', (x) => x.blocklist.length > 0);
    expect(blocked.blocklist).toEqual(['r3']);
    execFileSync('touch', [gate]);
    const s = await until(id, 'the farm to end', ended, 120_000);
    expect(s.state).toBe('done');
    expect(s.blocklist).toEqual(['r3']);
    expect(s.failures.length).toBe(2);
    for (const f of s.failures) {
      expect(f).toMatchObject({ node: 'r3', status: 3 });
      expect(f.tail).toMatch(/renderer crashed on 127\.0\.0\.33/);
    }
    for (const f of s.frames) {
      expect(f.state).toBe('done');
      expect(f.node).not.toBe('r3');
      expect(existsSync(join(head.work, `bl${f.frame}.txt`))).toBe(true);
    }
    const text = await head.run('render-farm', ['status', id]);
    expect(text.stdout).toMatch(/^blocklisted nodes: r3$/m);
    expect(text.stdout).toMatch(/on r3: exit 3\n( {4}\| .*\n)* {4}\| renderer crashed on 127\.0\.0\.33\n/);
    const cleared = await head.run('render-farm', ['unblock', id, '--json']);
    expect(JSON.parse(cleared.stdout)).toEqual({ blocklist: [] });
  });

  it('says so when no eligible node is left', async () => {
    // fails everywhere; one retry per task and one failure blocklists a node
    const id = await farm([
      '--name',
      'hopeless',
      '--frames',
      '1',
      '--retries',
      '5',
      '--node-failures',
      '1',
      '--',
      'false',
    ]);
    const s = await until(id, 'no eligible node', (x) => x.message !== undefined, 60_000);
    expect(s.message).toBe('Not Running: no eligible node left (excluded: r1, r2, r3)');
    expect(s.blocklist).toEqual(['r1', 'r2', 'r3']);
    expect(s.state).toBe('running');
    expect((await head.run('render-farm', ['kill', id])).code).toBe(0);
    expect((await until(id, 'the killed farm to end', ended)).state).toBe('failed');
  });

  it('kills a stalled task (output, then silence) and retries it', async () => {
    const marker = join(head.work, 'stall.once');
    const cmd = `echo starting; if [ ! -e ${marker} ]; then touch ${marker}; sleep 120; fi; echo "PROGRESS: 100%"`;
    // (the quiet time counts from the task's start: a login slower than it is a stall too)
    const id = await shFarm(
      ['--name', 'stall', '--frames', '1', '--stall-timeout', '4', '--retries', '3'],
      cmd,
    );
    const s = await until(id, 'the farm to end', ended, 90_000);
    expect(s.state).toBe('done');
    expect(s.failures.length).toBeGreaterThanOrEqual(1);
    for (const f of s.failures) {
      expect(f.reason).toBe('stall timeout');
      expect(f.tail).toMatch(/job killed: no output for 4 s \(stall timeout\)$/);
    }
    expect(s.frames[0]).toMatchObject({ state: 'done', attempts: s.failures.length + 1 });
    // the attempt that printed and then hung
    const hung = s.failures.find((f) => /^starting$/m.test(f.tail))!;
    expect(hung).toBeDefined();
    const log = await head.run('render-farm', ['log', id, '1', '--attempt', String(hung.attempt)]);
    expect(log.stdout).toMatch(/^starting$/m);
    expect(log.stdout).not.toMatch(/PROGRESS/);
  });

  it('pauses (running tasks finish, no new ones start) and resumes', async () => {
    const gate = join(head.work, 'pause.gate');
    const cmd = `while [ ! -e ${gate} ]; do sleep 0.1; done; echo "PROGRESS: 100%"`;
    const id = await shFarm(['--name', 'pausing', '--frames', '1-6'], cmd);
    await until(id, 'three tasks running', (x) => x.counts.running === 3);
    expect((await head.run('render-farm', ['pause', id])).code).toBe(0);
    expect((await status(id)).state).toBe('paused');
    execFileSync('touch', [gate]);
    const paused = await until(id, 'the running tasks to finish', (x) => x.counts.done === 3);
    expect(paused.state).toBe('paused');
    expect(paused.counts).toMatchObject({ running: 0, queued: 3 });
    // the farm's array job is held (qhold), its queued tasks wait for qrls
    expect((await head.json(id))?.job_state).toBe('H');
    expect((await head.run('render-farm', ['resume', id])).code).toBe(0);
    const s = await until(id, 'the farm to end', ended);
    expect(s.state).toBe('done');
  });

  it('renders again, before the post job, a frame whose file is missing', async () => {
    // the first render of frame 3 reports its output file but never writes it
    const once = join(head.work, 'missing.once');
    const cmd = `f=mf{frame}.txt; echo "Output file: $f"; if [ {frame} = 3 ] && [ ! -e ${once} ]; then touch ${once}; exit 0; fi; echo x > $f`;
    const id = await shFarm(
      [
        '--name',
        'missing',
        '--frames',
        '1-4',
        '--chunk',
        '2',
        '--then',
        'cat mf1.txt mf2.txt mf3.txt mf4.txt > all.txt',
      ],
      cmd,
    );
    const s = await until(id, 'the farm to end', (x) => ended(x) && x.post?.exitStatus === 0, 90_000);
    expect(s.state).toBe('done');
    expect(readFileSync(join(head.work, 'all.txt'), 'utf8')).toBe('x\nx\nx\nx\n');
    // frames 3 and 4 (task 2) were rendered twice, frames 1 and 2 once
    expect(s.frames.map((f) => f.attempts)).toEqual([1, 1, 2, 2]);
    const seq = id.split('[')[0]!;
    const first = readFileSync(join(head.work, `missing.then.o${Number(seq) + 1}`), 'utf8');
    expect(first).toMatch(/^render-farm: missing frame 3$/m);
  });

  it('shows progress moving during a long frame', async () => {
    const gate = join(head.work, 'progress.gate');
    const cmd = `for p in 10 20 30 40 50 60 70 80 90; do echo "PROGRESS: $p%"; sleep 0.3; done; while [ ! -e ${gate} ]; do sleep 0.1; done; echo "PROGRESS: 100%"`;
    const id = await shFarm(['--name', 'progress', '--frames', '1'], cmd);
    const early = await until(id, 'some progress', (x) => x.frames[0]!.percent > 0);
    const later = await until(id, 'more progress', (x) => x.frames[0]!.percent >= 90);
    expect(early.frames[0]!.state).toBe('running');
    expect(early.frames[0]!.percent).toBeLessThan(later.frames[0]!.percent);
    expect(later.frames[0]!.state).toBe('running');
    expect(later.percent).toBe(later.frames[0]!.percent);
    // the ETA at the rate so far, and the text form: bar, ETA, the frame rendering now
    expect(later.eta).toBeGreaterThanOrEqual(0);
    const text = (await head.run('render-farm', ['status', id])).stdout;
    expect(text).toMatch(/^\[#{27}\.{3}\] 90\.0% {2}ETA 00:00:\d\d$/m);
    expect(text).toMatch(/^rendering: 1 90% on r[123]$/m);
    execFileSync('touch', [gate]);
    expect((await until(id, 'the farm to end', ended)).state).toBe('done');
  });

  it('a task past its --timeout fails; retry --failed renders it again; watch follows to the end', async () => {
    const once = join(head.work, 'timeout.once');
    const cmd = `if [ {frame} = 2 ] && [ ! -e ${once} ]; then touch ${once}; sleep 60; fi; echo "PROGRESS: 100%"`;
    const id = await shFarm(
      [
        '--name',
        'slow',
        '--frames',
        '1-3',
        '--timeout',
        '10',
        '--retries',
        '0',
        // the post job is not bound by the tasks' timeout
        '--then',
        'sleep 3 && echo assembled > slow.post',
      ],
      cmd,
    );
    const failed = await until(id, 'the farm to fail', ended);
    expect(failed.state).toBe('failed');
    expect(failed.frames.map((f) => f.state)).toEqual(['done', 'failed', 'done']);
    expect(failed.failures).toEqual([expect.objectContaining({ task: 2, status: -29, reason: 'walltime' })]);
    const retry = await head.run('render-farm', ['retry', id, '--failed']);
    expect(retry.stdout).toBe('re-rendering 1 frames in 1 tasks\n');
    const watched = await head.run('render-farm', ['watch', id, '--interval', '0.2']);
    expect(watched.code).toBe(0);
    expect(watched.stdout).toMatch(/slow {2}done\n/);
    expect(readFileSync(join(head.work, 'slow.post'), 'utf8')).toBe('assembled\n');
    // the tasks' timeout is theirs: the post job has no walltime of its own
    const tasks = (await head.json(id.replace('[]', '[1]')))?.Resource_List as Record<string, unknown>;
    expect(tasks.walltime).toBe('00:00:10');
    const done = await status(id);
    const post = (await head.json(done.post!.id))?.Resource_List as Record<string, unknown>;
    expect(post.walltime).toBeUndefined();
    const list = await head.run('render-farm', ['list', '--json']);
    expect(JSON.parse(list.stdout)).toContainEqual(
      expect.objectContaining({ id, state: 'done', percent: 100 }),
    );
  });

  it('kills the tasks of given frames; the others finish and the farm ends failed', async () => {
    const gate = join(head.work, 'kill.gate');
    const cmd = `touch killing.{frame}; while [ ! -e ${gate} ]; do sleep 0.1; done; echo "PROGRESS: 100%"`;
    const id = await shFarm(['--name', 'killing', '--frames', '1-8', '--chunk', '2'], cmd);
    // signals are sent once the tasks' scripts run (not while their login shells start)
    await startedAll(['killing.1', 'killing.3', 'killing.5']);
    // frame 3 is in task 2 (running), frame 8 in task 4 (queued)
    expect((await head.run('render-farm', ['kill', id, '--frames', '3,8'])).code).toBe(0);
    // the running task ends killed (before the gate opens, so that it cannot finish first)
    await until(id, 'the killed tasks to end', (x) =>
      [3, 4, 7, 8].every((f) => x.frames[f - 1]!.state === 'failed'),
    );
    execFileSync('touch', [gate]);
    const s = await until(id, 'the farm to end', ended);
    expect(s.state).toBe('failed');
    expect(s.frames.map((f) => f.state)).toEqual([
      'done',
      'done',
      'failed',
      'failed',
      'done',
      'done',
      'failed',
      'failed',
    ]);
  });

  it('survives a SIGKILL of the head mid-farm: every frame rendered once', async () => {
    const gate = join(head.work, 'crash.gate');
    const cmd = `while [ ! -e ${gate} ]; do sleep 0.1; done; echo "PROGRESS: 100%"; echo {frame} >> crash.frames`;
    const id = await shFarm(['--name', 'crash', '--frames', '1-6'], cmd);
    await until(id, 'three tasks running', (x) => x.counts.running === 3);
    await head.kill9();
    await head.start();
    execFileSync('touch', [gate]);
    const s = await until(id, 'the farm to end', ended);
    expect(s.state).toBe('done');
    expect(s.frames.every((f) => f.attempts === 1)).toBe(true);
    const rendered = readFileSync(join(head.work, 'crash.frames'), 'utf8').trim().split('\n').map(Number);
    expect(rendered.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('a task lost with its killed agent is run again without counting as a failure', async () => {
    const gate = join(head.work, 'agent.gate');
    const cmd = `touch agentkill.{frame}; while [ ! -e ${gate} ]; do sleep 0.1; done; echo "PROGRESS: 100%"`;
    const id = await shFarm(['--name', 'agentkill', '--frames', '1-3', '--node-failures', '1'], cmd);
    // the kill comes once the tasks' scripts run: a login shell SIGKILLed midway can leave
    // lock files of the machine's shell start-up behind (pyenv's here)
    await startedAll(['agentkill.1', 'agentkill.2', 'agentkill.3']);
    const running = await status(id);
    const victim = running.frames.find((f) => f.node === 'r2')!;
    const task = await head.json(id.replace('[]', `[${victim.task}]`));
    // the node's agent dies with the task's processes; the head restarts the agent over SSH
    process.kill(cluster.nodes[1]!.agentPid(), 'SIGKILL');
    process.kill(-Number(task?.session_id), 'SIGKILL');
    // lost with its agent, the task is queued again and runs as its second attempt
    await until(
      id,
      'the lost task running again',
      (x) => x.frames.find((f) => f.frame === victim.frame)!.attempts === 2,
    );
    execFileSync('touch', [gate]);
    const s = await until(id, 'the farm to end', ended, 90_000);
    expect(s.state).toBe('done');
    expect(s.failures).toEqual([]);
    expect(s.blocklist).toEqual([]);
    expect(s.frames.find((f) => f.frame === victim.frame)!.attempts).toBe(2);
  });

  it('refuses bad input with a clear message and the PBS exit code', async () => {
    const bad = await head.run('render-farm', ['submit', '--frames', '5-1', '--', 'true']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^render-farm: illegal --frames value "5-1": "5-1" ends before it starts$/m);
    const placeholder = await head.run('render-farm', ['submit', '--frames', '1', '--', 'echo', '{fram}']);
    expect(placeholder.stderr).toMatch(/^render-farm: unknown placeholder \{fram\}/m);
    expect((await head.run('render-farm', ['status', '999999'])).stderr).toMatch(
      /^render-farm: Unknown farm 999999$/m,
    );
  });
});
