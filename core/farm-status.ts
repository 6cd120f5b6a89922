// What the head reports of a render farm (`render-farm status --json` prints it as is).
import type { FrameProgress } from './progress.js';

/** A frame: its state and percent, the task (chunk) that renders it, where and how often. */
export interface FarmFrame extends FrameProgress {
  task: number;
  node?: string;
  attempts: number;
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
  failures: {
    task: number;
    frames: string;
    attempt: number;
    node: string;
    status: number;
    reason?: string;
    at: number;
    tail: string;
  }[];
  blocklist: string[];
  /** why waiting tasks cannot start, when they cannot anywhere (no eligible node) */
  message?: string;
  /** seconds still needed at the rate so far */
  eta?: number;
  /** epoch seconds the first task started */
  started?: number;
  post?: { id: string; state: string; exitStatus?: number };
}
