// Commands that act on job ids (qdel, qhold, qrls, qalter): one request for all operands, then
// PBS's message for each failure; the exit status is that of the last failure.

import type { ErrorCode } from '../core/errors.js';
import { getopt } from '../core/pbs/getopt.js';
import { VERSION } from '../platform/version.js';
import { api } from './client.js';
import { codeExit, printError, report } from './command.js';

export interface OperandResult {
  operand: string;
  id?: string;
  /** qstat: the records an operand stands for when not just `id` (a range, an array with -t) */
  ids?: string[];
  error?: { code: ErrorCode; message: string };
}

export type MessageFor = (result: OperandResult & { error: { code: ErrorCode; message: string } }) => string;

export async function actOnJobs(
  cmd: string,
  path: string,
  body: object,
  messageFor: MessageFor,
): Promise<number> {
  const reply = await api<{ results: OperandResult[] }>('POST', path, body);
  if (!reply.ok) return report(cmd, reply.error);
  let rc = 0;
  for (const r of reply.body.results) {
    if (!r.error) continue;
    printError(cmd, messageFor(r as Parameters<MessageFor>[0]));
    rc = codeExit(r.error.code);
  }
  return rc;
}

/** qhold/qrls wording: the expanded id, and no id for a finished job. */
export const holdMessage: MessageFor = (r) => {
  if (r.error.code === 'UNKNOWN_JOB') return `Unknown Job Id ${r.id ?? r.operand}`;
  if (r.error.code === 'JOB_FINISHED') return 'Job has finished';
  return `${r.error.message} ${r.id ?? r.operand}`;
};

/**
 * The command line of qdel-like commands: `--version`, the options of `optstring` (accepted),
 * then at least one job id. The operands, or the exit status when there is nothing to do.
 */
export function jobOperands(
  cmd: string,
  argv: string[],
  optstring: string,
  usage: string,
): string[] | number {
  if (argv.length === 1 && argv[0] === '--version') {
    process.stdout.write(`pbs_version = ${VERSION}\n`);
    return 0;
  }
  const parsed = getopt(argv, optstring);
  if (parsed.error !== undefined)
    return report(cmd, { code: 'USAGE', message: parsed.error, usage: true }, usage);
  const operands = parsed.operands.filter((o) => o.trim() !== '');
  if (operands.length === 0)
    return report(cmd, { code: 'USAGE', message: 'job identifier required', usage: true }, usage);
  return operands;
}
