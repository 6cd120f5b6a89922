// pbsdsh: inside a job, run a program on every slot allocated to the job, through the agents
// (no new SSH login). Prints each task's output in task order; exits with the first non-zero
// task status (or 0).
import { connect } from 'node:net';
import { getopt } from '../core/getopt.js';
import type { TaskClientReply } from '../core/protocol.js';
import { report, runCommand } from './command.js';

const USAGE = 'usage: pbsdsh [-s] [-v] [-o] program [args...]';

function ask(socket: string, body: object): Promise<TaskClientReply> {
  return new Promise((resolve, reject) => {
    const s = connect(socket);
    let text = '';
    s.setEncoding('utf8');
    s.on('connect', () => s.write(`${JSON.stringify(body)}\n`));
    s.on('data', (d: string) => {
      text += d;
    });
    s.on('error', reject);
    s.on('close', () => {
      try {
        resolve(JSON.parse(text) as TaskClientReply);
      } catch {
        reject(new Error('the agent closed the connection without an answer'));
      }
    });
  });
}

async function main(argv: string[]): Promise<number> {
  const parsed = getopt(argv, '+c:n:svo');
  if (parsed.error !== undefined)
    return report('pbsdsh', { code: 'USAGE', message: parsed.error, usage: true }, USAGE);
  if (parsed.options.some((o) => o.letter === 'c' || o.letter === 'n')) {
    return report('pbsdsh', {
      code: 'NOT_SUPPORTED',
      message: '-c and -n are not supported yet: pbsdsh runs one task per slot',
    });
  }
  const program = parsed.operands;
  if (program.length === 0)
    return report('pbsdsh', { code: 'USAGE', message: 'a program is required', usage: true }, USAGE);
  const { PBS_JOBID: jobId, PBS_JOBCOOKIE: cookie, DROVER_TASKS: socket } = process.env;
  if (!jobId || !cookie || !socket)
    return report('pbsdsh', {
      code: 'FAILED',
      message: 'not inside a Drover job (PBS_JOBID, PBS_JOBCOOKIE, DROVER_TASKS unset)',
    });
  const verbose = parsed.options.some((o) => o.letter === 'v');
  const quiet = parsed.options.some((o) => o.letter === 'o');
  const reply = await ask(socket, { t: 'pbsdsh', jobId, cookie, argv: program });
  if (reply.t === 'error') return report('pbsdsh', { code: 'FAILED', message: reply.message });
  let rc = 0;
  for (const r of reply.results) {
    if (!quiet) process.stdout.write(r.stdout);
    process.stderr.write(r.stderr);
    if (verbose) process.stderr.write(`pbsdsh: task ${r.taskNum} on ${r.node} exit status ${r.status}\n`);
    if (rc === 0 && r.status !== 0) rc = r.status > 0 && r.status < 256 ? r.status : 1;
  }
  return rc;
}

runCommand('pbsdsh', main);
