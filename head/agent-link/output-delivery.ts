// An exited attempt's spooled output, written as the job's user, outside any transaction, to the
// paths recorded at submission (never a path an agent reports). What cannot be written is kept
// where the head's admin finds it, and the log says why. The job finishes only after this; a head
// that dies in between fetches and writes the output again.
import type { Logger } from 'pino';
import type { OutputFile } from '../../core/protocol/agent-protocol.js';
import type { StoredJob } from '../db/jobs-table.js';
import { jobUmask, pathPart } from '../scheduling/run-request.js';
import type { Destination, Outcome } from './delivery/workers.js';
import { keepUndelivered } from './undelivered.js';

export interface DeliveryContext {
  log: Logger;
  undeliveredDir: string;
  /** a file kept in undeliveredDir (a standby mirrors it) */
  changed?: (path: string) => void;
  deliver: (user: string, umask: number, files: Destination[]) => Promise<Outcome[]>;
}

export async function deliverOutput(
  ctx: DeliveryContext,
  job: StoredJob,
  files: OutputFile[],
): Promise<void> {
  const destinations = files.map((f) => ({
    path: pathPart(f.stream === 'err' || job.spec.join === 'eo' ? job.errorPath : job.outputPath),
    data: Buffer.from(f.data, 'base64'),
  }));
  const outcomes = await ctx
    .deliver(job.spec.user, jobUmask(job.spec.umask), destinations)
    .catch((e: Error) => destinations.map((d) => ({ path: d.path, error: e.message })));
  outcomes.forEach((o, i) => {
    if (!o.error) return;
    const savedAs = keepUndelivered(ctx.undeliveredDir, job.id, destinations[i]!, ctx.changed);
    ctx.log.warn({ job: job.id, path: o.path, error: o.error, savedAs }, 'output not delivered');
  });
}
