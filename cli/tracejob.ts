// tracejob: the history of one job, from its event log.

import type { TimedEvent } from '../core/lifecycle/job-events.js';
import { getopt } from '../core/pbs/getopt.js';
import type { JobRecord } from '../core/record-types.js';
import { api } from './client.js';
import { report, runCommand } from './command.js';
import { formatTrace } from './format/tracejob-output.js';

const USAGE = 'usage: tracejob [-a|-s|-l|-m|-v] [-w size] [-p path] [-n days] [-f filter] job_identifier';

async function main(argv: string[]): Promise<number> {
  const parsed = getopt(argv, 'aslmvw:p:n:f:c:');
  if (parsed.error !== undefined)
    return report('tracejob', { code: 'USAGE', message: parsed.error, usage: true }, USAGE);
  if (parsed.operands.length !== 1)
    return report('tracejob', { code: 'USAGE', message: 'one job identifier required', usage: true }, USAGE);
  const reply = await api<{ job: JobRecord; events: TimedEvent[] }>('POST', '/v1/jobs/trace', {
    operand: parsed.operands[0],
  });
  if (!reply.ok) return report('tracejob', reply.error);
  process.stdout.write(formatTrace(reply.body.job, reply.body.events));
  return 0;
}

runCommand('tracejob', main);
