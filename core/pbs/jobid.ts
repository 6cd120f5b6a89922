// Job identifiers as users type them: `123`, `123.svr`, `123.svr.domain`, `123@svr`.

import { ok, type Result, refuse } from '../errors.js';
import { type ArraySelector, parseSelector } from './array-indices.js';

export interface JobIdRef {
  seq: number;
  /** the default server when the typed server names it (first labels equal), else as typed */
  server: string;
  /** `<seq>.<server>`, or with the brackets as typed: `<seq>[].<server>`, `<seq>[7].<server>` */
  full: string;
  /** what the brackets select, when there are any */
  array?: ArraySelector;
  /** the operand as typed, whitespace trimmed */
  typed: string;
}

const HOST = '[A-Za-z0-9][A-Za-z0-9_.-]*';
const JOB_ID = new RegExp(`^(\\d{1,12})(\\[\\d*(?:-\\d+)?(?::\\d+)?\\])?(?:\\.(${HOST}))?(?:@(${HOST}))?$`);

export function parseJobId(operand: string, defaultServer: string): Result<JobIdRef> {
  const typed = operand.trim();
  const match = JOB_ID.exec(typed);
  if (!match) return refuse('FAILED', `illegally formed job identifier: ${operand}`);
  const seq = Number(match[1]);
  const array = match[2] === undefined ? undefined : parseSelector(match[2].slice(1, -1));
  if (match[2] !== undefined && !array)
    return refuse('FAILED', `illegally formed job identifier: ${operand}`);
  const named = match[4] ?? match[3];
  const server = named === undefined || sameServer(named, defaultServer) ? defaultServer : named;
  const full = `${seq}${match[2] ?? ''}.${server}`;
  return ok({ seq, server, full, typed, ...(array ? { array } : {}) });
}

/** `host` names `server` when their first labels agree (`svr` vs `svr.example.com`). */
export function sameServer(host: string, server: string): boolean {
  return firstLabel(host) === firstLabel(server);
}

function firstLabel(name: string): string {
  return (name.split('.')[0] as string).toLowerCase();
}
