// SQL of the append-only job_events table.
import type { JobEvent, TimedEvent } from '../../core/lifecycle/job-events.js';
import type { Db } from './connection.js';

export function eventsSql(db: Db) {
  const insert = db.prepare('INSERT INTO job_events (seq, at, type, data) VALUES (?, ?, ?, ?)');
  const forJob = db.prepare('SELECT at, type, data FROM job_events WHERE seq = ? ORDER BY id');
  return {
    append(seq: number, event: TimedEvent): void {
      const { type, at, ...data } = event;
      insert.run(seq, at, type, JSON.stringify(data));
    },
    forJob(seq: number): TimedEvent[] {
      return (forJob.all(seq) as { at: number; type: string; data: string }[]).map(
        (r) => ({ ...JSON.parse(r.data), type: r.type, at: r.at }) as JobEvent & { at: number },
      );
    },
  };
}

export type EventsSql = ReturnType<typeof eventsSql>;
