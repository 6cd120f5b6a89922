// render-farm: frame queues on Drover. `submit` makes a farm (an array job, one
// subjob per chunk of frames); status, watch, log, retry, unblock, pause, resume and kill ask the
// head's farm API (the last three are qhold, qrls and qdel of the farm's array, or of its tasks).

import { parseArgs } from 'node:util';
import { buildFarmSpec, FARM_SUBMIT_USAGE } from '../core/farm/farm-options.js';
import type { FarmStatus } from '../core/farm/farm-status.js';
import { parseFrames } from '../core/farm/frames.js';
import { api } from './client.js';
import { printError, report, runCommand, submitPlace } from './command.js';
import { formatFarmList, formatFarmStatus } from './format/farm-status-output.js';
import { actOnJobs } from './operands.js';

const CMD = 'render-farm';
const USAGE = [
  FARM_SUBMIT_USAGE,
  'usage: render-farm status|watch ID [--json]',
  '       render-farm log ID FRAME [--attempt N]',
  '       render-farm retry ID (--frames SPEC | --failed) [--json]',
  '       render-farm pause|resume ID',
  '       render-farm kill ID [--frames SPEC]',
  '       render-farm unblock ID [--node NODE]',
  '       render-farm list [--json]',
].join('\n');

const farmPath = (id: string, rest = '') => `/v1/farms/${encodeURIComponent(id)}${rest}`;

function usageError(message: string): number {
  return report(CMD, { code: 'USAGE', message, usage: true }, USAGE);
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      json: { type: 'boolean' },
      frames: { type: 'string' },
      failed: { type: 'boolean' },
      attempt: { type: 'string' },
      node: { type: 'string' },
      interval: { type: 'string' },
    },
  });
}

function print(json: boolean | undefined, value: unknown, text: string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : text);
}

async function status(id: string): Promise<FarmStatus | number> {
  const reply = await api<FarmStatus>('GET', farmPath(id));
  return reply.ok ? reply.body : report(CMD, reply.error);
}

async function submit(argv: string[]): Promise<number> {
  const spec = buildFarmSpec({ argv, env: process.env, ...submitPlace() });
  if (!spec.ok) return report(CMD, spec.error, FARM_SUBMIT_USAGE);
  const reply = await api<{ id: string }>('POST', '/v1/jobs', { spec: spec.value });
  if (!reply.ok) return report(CMD, reply.error);
  process.stdout.write(`${reply.body.id}\n`);
  return 0;
}

/** Redraw the status until the farm is done or failed (every `--interval` seconds). */
async function watch(id: string, json: boolean | undefined, interval: number): Promise<number> {
  let last = '';
  for (;;) {
    const s = await status(id);
    if (typeof s === 'number') return s;
    const text = json ? `${JSON.stringify(s)}\n` : formatFarmStatus(s);
    if (text !== last) {
      if (!json && process.stdout.isTTY) process.stdout.write('\x1b[H\x1b[2J');
      process.stdout.write(text);
      last = text;
    }
    if (s.state === 'done' || s.state === 'failed') return s.state === 'done' ? 0 : 1;
    await new Promise((r) => setTimeout(r, interval * 1000));
  }
}

async function main(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'submit') return submit(rest);
  if (sub === undefined || sub === '--help' || sub === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return sub === undefined ? 2 : 0;
  }
  let p: ReturnType<typeof parse>;
  try {
    p = parse(rest);
  } catch (e) {
    return usageError((e as Error).message);
  }
  const { values: v, positionals: ops } = p;
  const json = v.json;
  if (sub === 'list') {
    const reply = await api<{ farms: FarmStatus[] }>('GET', '/v1/farms');
    if (!reply.ok) return report(CMD, reply.error);
    print(json, reply.body.farms, formatFarmList(reply.body.farms));
    return 0;
  }
  const id = ops[0];
  if (id === undefined) return usageError(`${sub}: farm id required`);
  const frames = v.frames !== undefined ? parseFrames(v.frames) : undefined;
  if (frames && !frames.ok) return report(CMD, frames.error);
  switch (sub) {
    case 'status': {
      const s = await status(id);
      if (typeof s === 'number') return s;
      print(json, s, formatFarmStatus(s));
      return 0;
    }
    case 'watch': {
      const interval = v.interval === undefined ? 1 : Number(v.interval);
      if (!(interval > 0)) return usageError('--interval wants a number of seconds');
      return watch(id, json, interval);
    }
    case 'log': {
      const frame = Number(ops[1]);
      if (ops[1] === undefined || !Number.isInteger(frame)) return usageError('log: FRAME required');
      const q = new URLSearchParams({
        frame: String(frame),
        ...(v.attempt ? { attempt: String(v.attempt) } : {}),
      });
      const reply = await api<{ task: number; attempt: number; text: string }>(
        'GET',
        farmPath(id, `/log?${q}`),
      );
      if (!reply.ok) return report(CMD, reply.error);
      print(json, reply.body, reply.body.text);
      return 0;
    }
    case 'retry': {
      if (!frames && !v.failed) return usageError('retry: --frames SPEC or --failed required');
      const body = frames ? { frames: frames.value } : { failed: true };
      const reply = await api<{ tasks: number[]; frames: number[] }>('POST', farmPath(id, '/retry'), body);
      if (!reply.ok) return report(CMD, reply.error);
      print(
        json,
        reply.body,
        `re-rendering ${reply.body.frames.length} frames in ${reply.body.tasks.length} tasks\n`,
      );
      return 0;
    }
    case 'unblock': {
      const reply = await api<{ blocklist: string[] }>(
        'POST',
        farmPath(id, '/unblock'),
        v.node ? { node: v.node } : {},
      );
      if (!reply.ok) return report(CMD, reply.error);
      print(json, reply.body, `blocklisted nodes: ${reply.body.blocklist.join(', ') || 'none'}\n`);
      return 0;
    }
    case 'pause':
    case 'resume':
      return actOnJobs(CMD, farmPath(id, `/${sub}`), {});
    case 'kill':
      return actOnJobs(CMD, farmPath(id, '/kill'), frames ? { frames: frames.value } : {});
    default:
      printError(CMD, `unknown command ${sub}`);
      return usageError('commands: submit status watch log retry pause resume kill unblock list');
  }
}

runCommand(CMD, main);
