// tracejob: a job's events as PBS's tracejob prints log lines (`MM/DD/YYYY HH:MM:SS.mmm  S    text`).

import { describeEvent } from '../../core/lifecycle/event-text.js';
import type { TimedEvent } from '../../core/lifecycle/job-events.js';
import type { JobRecord } from '../../core/record-types.js';

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

export function logStamp(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getMonth() + 1)}/${pad(d.getDate())}/${d.getFullYear()} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export function formatTrace(job: JobRecord, events: TimedEvent[]): string {
  const lines = events.map((e) => {
    const [source, text] = describeEvent(e, job);
    return `${logStamp(e.at)}  ${source}    ${text}`;
  });
  return `\nJob: ${job.id}\n\n${lines.join('\n')}\n`;
}
