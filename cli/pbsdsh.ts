// pbsdsh: inside a job, run a program on the slots allocated to the job, through the agents
// (no new SSH login): every slot, the first N (-c N, wrapping), or slot N (-n N); in parallel, or
// one after another (-s). Prints each task's output in task order and exits with the first
// non-zero task status (or 0); with -o it returns once the tasks are started.
import { getopt } from '../core/pbs/getopt.js';
import type { TaskSelection } from '../core/protocol/agent-protocol.js';
import { report, runCommand } from './command.js';
import { askAgent, jobContext, NOT_IN_JOB } from './task-socket.js';

const USAGE = 'usage: pbsdsh [-c copies | -n node_index] [-s] [-v] [-o] [--] program [args...]';

/** -c, -n, -s and -o as a selection, or what is wrong with them. */
function selection(options: { letter: string; value?: string }[]): TaskSelection | string {
  const select: TaskSelection = {};
  for (const o of options) {
    if (o.letter === 'c' || o.letter === 'n') {
      const n = Number(o.value);
      if (!/^\d+$/.test(o.value ?? '') || (o.letter === 'c' && n < 1))
        return `-${o.letter} wants a ${o.letter === 'c' ? 'positive ' : ''}number, got '${o.value}'`;
      if (o.letter === 'c') select.copies = n;
      else select.slot = n;
    }
    if (o.letter === 's') select.serial = true;
    if (o.letter === 'o') select.wait = false;
  }
  if (select.copies !== undefined && select.slot !== undefined) return '-c and -n cannot be used together';
  return select;
}

async function main(argv: string[]): Promise<number> {
  const parsed = getopt(argv, '+c:n:svo');
  if (parsed.error !== undefined)
    return report('pbsdsh', { code: 'USAGE', message: parsed.error, usage: true }, USAGE);
  const select = selection(parsed.options);
  if (typeof select === 'string')
    return report('pbsdsh', { code: 'USAGE', message: select, usage: true }, USAGE);
  const program = parsed.operands;
  if (program.length === 0)
    return report('pbsdsh', { code: 'USAGE', message: 'a program is required', usage: true }, USAGE);
  const job = jobContext();
  if (!job) return report('pbsdsh', { code: 'FAILED', message: NOT_IN_JOB });
  const verbose = parsed.options.some((o) => o.letter === 'v');
  const reply = await askAgent(job.socket, {
    t: 'pbsdsh',
    jobId: job.jobId,
    cookie: job.cookie,
    argv: program,
    select,
  });
  if (reply.t === 'error') return report('pbsdsh', { code: 'FAILED', message: reply.message });
  if (reply.t !== 'tasks-done')
    return report('pbsdsh', { code: 'FAILED', message: 'unexpected answer from the agent' });
  let rc = 0;
  for (const r of reply.results) {
    process.stdout.write(r.stdout);
    process.stderr.write(r.stderr);
    if (verbose) process.stderr.write(`pbsdsh: task ${r.taskNum} on ${r.node} exit status ${r.status}\n`);
    if (rc === 0 && r.status !== 0) rc = r.status > 0 && r.status < 256 ? r.status : 1;
  }
  return rc;
}

runCommand('pbsdsh', main);
