// `drover checkpoint`, run inside a checkpointable job once it has written its state into
// PBS_CHECKPOINT_DIR: the agent ships the directory, and the command returns once the head has
// it safe (exit 0, `checkpoint N saved` on stderr), or says why not (exit 1).
import { askAgent, jobContext, NOT_IN_JOB } from './task-socket.js';

export async function checkpointNow(): Promise<number> {
  const job = jobContext();
  const fail = (message: string) => {
    process.stderr.write(`drover: ${message}\n`);
    return 1;
  };
  if (!job) return fail(NOT_IN_JOB);
  try {
    const reply = await askAgent(job.socket, { t: 'checkpoint', jobId: job.jobId, cookie: job.cookie });
    if (reply.t === 'error') return fail(reply.message);
    if (reply.t !== 'checkpointed') return fail('unexpected answer from the agent');
    process.stderr.write(`drover: checkpoint ${reply.count} saved\n`);
    return 0;
  } catch (e) {
    return fail(`cannot reach the node's agent: ${(e as Error).message}`);
  }
}
