// What a new primary does besides starting the head's parts: each unfinished job's history says
// that a head took over (tracejob shows it), and the admin's fence command (a power switch) is
// run against the old primary, as for a node that stopped answering.
import { execFile } from 'node:child_process';
import type { Logger } from 'pino';
import type { Store } from '../db/store.js';

/** Record the takeover in every unfinished job's history (one transaction). */
export function headEvent(store: Store, epoch: number, head: string): void {
  const at = Date.now();
  store.transaction(() => {
    for (const job of store.jobs.list(false, true))
      if (job.row.state !== 'F') store.events.append(job.seq, { type: 'head_takeover', epoch, head, at });
  });
}

/** Run `command ADDRESS` (no shell), at most 30 s; the epoch already fences, so a failure is logged. */
export function fenceOldPrimary(command: string[], address: string, log: Logger): Promise<void> {
  return new Promise((res) => {
    execFile(command[0]!, [...command.slice(1), address], { timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) log.error({ err, stderr, address }, 'fence command against the old primary failed');
      else log.warn({ address, stdout }, 'old primary fenced');
      res();
    });
  });
}
