// What the head reports of a render farm (`render-farm status --json` prints it as is).
import type { FrameProgress } from './progress.js';

/** A frame: its state and percent, the task (chunk) that renders it, where and how often. */
export interface FarmFrame extends FrameProgress {
  task: number;
  node?: string;
  attempts: number;
  /** a done frame with a thumbnail: the task attempt that made it, for the thumbnail's URL
   * (`GET /v1/farms/ID/frames/FRAME/thumbnail?attempt=N`, cacheable for good) */
  thumbnail?: number;
}

/** A failed attempt of a task: where, how, and the last lines of its log. */
export interface TaskFailure {
  task: number;
  attempt: number;
  node: string;
  status: number;
  reason?: string;
  /** epoch seconds */
  at: number;
  tail: string;
}

export type FarmState = 'queued' | 'running' | 'paused' | 'done' | 'failed';

export interface FarmStatus {
  id: string;
  name: string;
  owner: string;
  state: FarmState;
  /** mean of the frames' percentages */
  percent: number;
  counts: Record<FarmFrame['state'], number>;
  tasks: number;
  chunk: number;
  frames: FarmFrame[];
  /** each failed attempt, with the frames of its task as a list (`7..9`) */
  failures: (TaskFailure & { frames: string })[];
  blocklist: string[];
  /** why waiting tasks cannot start, when they cannot anywhere (no eligible node) */
  message?: string;
  /** seconds still needed at the rate so far */
  eta?: number;
  /** epoch seconds the first task started */
  started?: number;
  post?: { id: string; state: string; exitStatus?: number };
}
