// A render task's output as it is written: the agent reads what the job added to
// its spool file every `intervalMs`, parses it for progress (core/farm/progress.ts) and sends both
// to the head; a task that writes nothing for its stall timeout is reported to be killed.
// The job writes to the file itself, so it keeps running when the agent or the head goes away.
import { closeSync, openSync, readSync } from 'node:fs';
import { coalesce, ProgressParser, type ProgressUpdate } from '../core/farm/progress.js';

/** At most this much new output goes in one message (the rest follows in the next ones). */
const MAX_CHUNK = 256 * 1024;

export interface OutputReport {
  jobId: string;
  attempt: number;
  updates: ProgressUpdate[];
  text: string;
}

interface Watched {
  jobId: string;
  attempt: number;
  files: string[];
  offsets: number[];
  parser: ProgressParser;
  lastOutput: number;
  stallMs?: number;
  /** the job is suspended: its silence is no stall */
  paused?: boolean;
  stalled: () => void;
}

export class OutputWatch {
  private watched = new Map<string, Watched>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly send: (r: OutputReport) => void,
    private readonly intervalMs = 500,
  ) {}

  watch(
    jobId: string,
    attempt: number,
    files: string[],
    stallSeconds: number | undefined,
    stalled: () => void,
  ): void {
    this.watched.set(jobId, {
      jobId,
      attempt,
      files,
      offsets: files.map(() => 0),
      parser: new ProgressParser(),
      lastOutput: Date.now(),
      ...(stallSeconds !== undefined ? { stallMs: stallSeconds * 1000 } : {}),
      stalled,
    });
    if (!this.timer) {
      this.timer = setInterval(() => this.poll(), this.intervalMs);
      this.timer.unref();
    }
  }

  /** The job is suspended (its stall timeout stops), or goes on (it starts again from now). */
  hold(jobId: string, paused: boolean): void {
    const w = this.watched.get(jobId);
    if (!w) return;
    w.paused = paused;
    if (!paused) w.lastOutput = Date.now();
  }

  /** The job ended: what it wrote last is read and sent before its exit is reported. */
  end(jobId: string): void {
    const w = this.watched.get(jobId);
    if (!w) return;
    this.read(w, true);
    this.watched.delete(jobId);
    if (this.watched.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.watched.clear();
  }

  private poll(): void {
    const now = Date.now();
    for (const w of this.watched.values()) {
      this.read(w, false);
      if (w.stallMs !== undefined && !w.paused && now - w.lastOutput >= w.stallMs) {
        w.stallMs = undefined; // reported once; the kill follows
        w.stalled();
      }
    }
  }

  private read(w: Watched, last: boolean): void {
    let text = '';
    w.files.forEach((file, i) => {
      for (;;) {
        const chunk = readFrom(file, w.offsets[i]!, MAX_CHUNK - text.length);
        if (chunk.length === 0) break;
        w.offsets[i]! += chunk.length;
        text += chunk.toString('utf8');
        if (text.length >= MAX_CHUNK) break;
      }
    });
    if (text !== '') w.lastOutput = Date.now();
    const updates = coalesce([...w.parser.push(text), ...(last ? w.parser.end() : [])]);
    if (text === '' && updates.length === 0) return;
    this.send({ jobId: w.jobId, attempt: w.attempt, updates, text });
  }
}

function readFrom(file: string, offset: number, max: number): Buffer {
  if (max <= 0) return Buffer.alloc(0);
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const buf = Buffer.alloc(Math.min(max, 64 * 1024));
    const n = readSync(fd, buf, 0, buf.length, offset);
    return buf.subarray(0, n);
  } catch {
    return Buffer.alloc(0);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
