// qstat: jobs (default table, alternate table, -f, -f -F json), queues (-Q) and the server (-B).

import { sameServer } from '../core/pbs/jobid.js';
import type { CronRecord, JobRecord, QueueRecord, ServerRecord } from '../core/record-types.js';
import { VERSION } from '../platform/version.js';
import { bodyOf } from './api-errors.js';
import { api } from './client.js';
import { codeExit, printError, report, runCommand } from './command.js';
import { formatCrons } from './format/qstat-cron.js';
import { formatFull, formatFullJson } from './format/qstat-full.js';
import {
  formatQueues,
  formatQueuesFull,
  formatQueuesJson,
  formatServer,
  formatServerFull,
  formatServerJson,
} from './format/qstat-server.js';
import { formatAlternate, formatDefault } from './format/qstat-table.js';
import { formatTorqueTable, formatTorqueXml, torqueAttributes, torqueView } from './format/torque.js';
import type { OperandResult } from './operands.js';
import { classifyOperand, parseQstatCommandLine, QSTAT_USAGE, type QstatOptions } from './qstat-options.js';

interface Query {
  server: string;
  /** the head runs in Torque compatibility mode */
  torque?: { keepCompleted: number };
  jobs: JobRecord[];
  results: OperandResult[];
}

async function serverInfo(): Promise<{ server: ServerRecord; queues: QueueRecord[] }> {
  return bodyOf(await api<{ server: ServerRecord; queues: QueueRecord[] }>('GET', '/v1/server'));
}

async function showServer(opts: QstatOptions): Promise<number> {
  const { server } = await serverInfo();
  if (opts.json) process.stdout.write(formatServerJson(server));
  else process.stdout.write(opts.full ? formatServerFull(server) : formatServer(server));
  return 0;
}

async function showQueues(opts: QstatOptions): Promise<number> {
  const { server, queues } = await serverInfo();
  let rc = 0;
  let shown = queues;
  if (opts.operands.length > 0) {
    shown = [];
    for (const name of opts.operands) {
      const q = queues.find((x) => x.name === name.split('@')[0]);
      if (q) shown.push(q);
      else {
        printError('qstat', `Unknown queue ${name}`);
        rc = codeExit('UNKNOWN_QUEUE');
      }
    }
  }
  const meta = { name: server.name, version: server.version, now: server.now };
  if (opts.json) process.stdout.write(formatQueuesJson(shown, meta));
  else if (opts.full) process.stdout.write(formatQueuesFull(shown));
  else if (shown.length > 0) process.stdout.write(formatQueues(shown));
  return rc;
}

async function showCrons(): Promise<number> {
  const reply = await api<{ server: ServerRecord; crons: CronRecord[] }>('GET', '/v1/crons');
  if (!reply.ok) return report('qstat', reply.error);
  process.stdout.write(formatCrons(reply.body.crons));
  return 0;
}

/** Gather the jobs the operands name, in operand order, with PBS's message for each miss. */
async function collect(
  opts: QstatOptions,
): Promise<{ jobs: JobRecord[]; rc: number; server: string; torque?: { keepCompleted: number } }> {
  const wanted = opts.operands.map((o) => ({ text: o, kind: classifyOperand(o) }));
  const ids = wanted.filter((w) => w.kind.ok && w.kind.value.kind === 'job').map((w) => w.text);
  const needAll = ids.length < wanted.length || wanted.length === 0;
  const brief = opts.view !== 'full';
  const subjobs = opts.subjobs;
  const [byId, all] = await Promise.all([
    ids.length > 0 ? query({ operands: ids, history: true, brief, subjobs }) : undefined,
    needAll ? query({ history: opts.history, brief, subjobs }) : undefined,
  ]);
  const { server, torque } = (byId ?? all)!;
  const mode = torque ? { torque } : {};
  if (wanted.length === 0) return { jobs: all!.jobs, rc: 0, server, ...mode };
  let rc = 0;
  const jobs: JobRecord[] = [];
  const fail = (message: string, code: Parameters<typeof codeExit>[0]) => {
    printError('qstat', message);
    rc = codeExit(code);
  };
  let next = 0;
  for (const w of wanted) {
    if (!w.kind.ok) {
      fail(w.kind.error.message, w.kind.error.code);
      continue;
    }
    const operand = w.kind.value;
    if (operand.kind === 'destination') {
      if (operand.server && !sameServer(operand.server, server)) {
        fail(`illegally formed destination: ${w.text}`, 'FAILED');
        continue;
      }
      jobs.push(...all!.jobs.filter((j) => operand.queue === undefined || j.queue === operand.queue));
      continue;
    }
    const result = byId!.results[next]!;
    next += 1;
    if (result.error) {
      const id = result.id ?? w.text;
      if (result.error.code === 'UNKNOWN_JOB') fail(`Unknown Job Id ${id}`, 'UNKNOWN_JOB');
      else fail(result.error.message, result.error.code);
      continue;
    }
    const named = (result.ids ?? [result.id]).map((id) => byId!.jobs.find((j) => j.id === id));
    for (const job of named) {
      if (job && job.state === 'F' && !opts.history && !torque) {
        fail(`${job.id} Job has finished, use -x or -H to obtain historical job information`, 'JOB_FINISHED');
      } else if (job) jobs.push(job);
    }
  }
  return { jobs, rc, server, ...mode };
}

async function query(body: {
  operands?: string[];
  history: boolean;
  brief: boolean;
  subjobs: boolean;
}): Promise<Query> {
  return bodyOf(await api<Query>('POST', '/v1/jobs/query', body));
}

/** -J: array parents only; -J -t: subjobs only. */
function arrayFilter(j: JobRecord, opts: QstatOptions): boolean {
  if (!opts.arraysOnly) return true;
  return opts.subjobs ? j.arrayId !== undefined : j.array !== undefined;
}

function select(jobs: JobRecord[], opts: QstatOptions): JobRecord[] {
  return jobs.filter(
    (j) =>
      arrayFilter(j, opts) &&
      (opts.history || opts.operands.length > 0 || j.state !== 'F') &&
      (opts.states === undefined || opts.states.includes(j.state)) &&
      (opts.users === undefined || opts.users.includes(j.owner.split('@')[0]!)),
  );
}

async function main(argv: string[]): Promise<number> {
  const parsed = parseQstatCommandLine(argv);
  if (!parsed.ok) return report('qstat', parsed.error, QSTAT_USAGE);
  const opts = parsed.value;
  if (opts.version) {
    process.stdout.write(`pbs_version = ${VERSION}\n`);
    return 0;
  }
  if (opts.view === 'server') return showServer(opts);
  if (opts.view === 'cron') return showCrons();
  if (opts.view === 'queues') return showQueues(opts);
  // Torque mode (head --torque, or DROVER_COMPAT=torque): -x means XML, recent F jobs show as C
  // (a head in Torque mode adds recently finished jobs to a listing without history itself)
  const envTorque = process.env.DROVER_COMPAT === 'torque';
  const collected = await collect(envTorque ? { ...opts, history: true } : opts);
  const torque = collected.torque ?? (envTorque ? { keepCompleted: 300 } : undefined);
  // an explicit -F json is PBS Pro's: it keeps PBS Pro's meaning of -x (history) and JSON
  if (torque && !opts.json) return torqueMain(collected, opts, opts.history, torque);
  const { jobs: found, rc, server } = collected;
  const jobs = select(found, opts);
  let text: string;
  if (opts.view === 'full' && opts.json) {
    text = formatFullJson(jobs, { name: server, version: VERSION, now: Math.floor(Date.now() / 1000) });
  } else if (opts.view === 'full') text = formatFull(jobs, { wide: opts.wide || opts.oneLine });
  else if (opts.view === 'alternate') {
    text =
      jobs.length === 0
        ? ''
        : formatAlternate(jobs, {
            server,
            nodes: opts.nodes,
            comments: opts.comments,
            oneLine: opts.oneLine,
            estimated: opts.estimated,
          });
  } else text = formatDefault(jobs, { wide: opts.wide });
  process.stdout.write(text);
  return rc;
}

/** qstat in Torque mode: the jobs Torque would show, as XML (-x), -f, or Torque's table. */
function torqueMain(
  collected: { jobs: JobRecord[]; rc: number },
  opts: QstatOptions,
  xml: boolean,
  torque: { keepCompleted: number },
): number {
  const now = Math.floor(Date.now() / 1000);
  const jobs = torqueView(select(collected.jobs, { ...opts, history: true }), now, torque.keepCompleted);
  let rc = collected.rc;
  // a job asked for by id that finished longer ago than keep_completed is gone, as in Torque
  const named = opts.operands.some((o) => /^\d/.test(o.trim()));
  for (const gone of collected.jobs.filter((j) => named && !jobs.some((v) => v.id === j.id))) {
    printError('qstat', `Unknown Job Id ${gone.id}`);
    rc = codeExit('UNKNOWN_JOB');
  }
  if (xml) process.stdout.write(formatTorqueXml(jobs));
  else if (opts.view === 'full')
    process.stdout.write(formatFull(jobs, { wide: opts.oneLine, names: torqueAttributes }));
  else if (opts.view === 'default') process.stdout.write(formatTorqueTable(jobs));
  else
    return report('qstat', {
      code: 'NOT_SUPPORTED',
      message: 'Torque mode offers the default table, -f and -x',
    });
  return rc;
}

runCommand('qstat', main);
