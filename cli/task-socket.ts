// Commands that run inside a job (pbsdsh, drover checkpoint) ask their node's agent through the
// task socket (DROVER_TASKS); the job's cookie (PBS_JOBCOOKIE) proves who asks.
import { connect } from 'node:net';
import type { TaskClientMessage, TaskClientReply } from '../core/protocol/agent-protocol.js';

/** The job this process runs in, or undefined outside a Drover job. */
export function jobContext(): { jobId: string; cookie: string; socket: string } | undefined {
  const { PBS_JOBID: jobId, PBS_JOBCOOKIE: cookie, DROVER_TASKS: socket } = process.env;
  return jobId && cookie && socket ? { jobId, cookie, socket } : undefined;
}

export const NOT_IN_JOB = 'not inside a Drover job (PBS_JOBID, PBS_JOBCOOKIE, DROVER_TASKS unset)';

/** One request, one answer; the agent closes the connection after answering. */
export function askAgent(socket: string, body: TaskClientMessage): Promise<TaskClientReply> {
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
