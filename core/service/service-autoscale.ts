// Autoscaling a service between its --min and --max from what its brokers report (pure): one
// instance more when calls wait in a broker's queue, one fewer when every broker finds the
// instances idle most of the time; at most one step per AUTOSCALE_STEP_MS.
import type { ServiceLoad } from '../protocol/service-view.js';

/** At most one step per this many milliseconds. */
export const AUTOSCALE_STEP_MS = 30_000;
/** Calls waiting this long on average at any broker ask for one more instance. */
export const SCALE_UP_WAIT_MS = 100;
/** Instances idle this share of the time at every broker (and nothing queued) give one back. */
export const SCALE_DOWN_IDLE = 0.5;

export interface AutoscaleInput {
  /** instances wanted now */
  wanted: number;
  scale: { min: number; max: number };
  /** the service's load at each broker heard from lately */
  loads: ServiceLoad[];
  /** epoch ms */
  now: number;
  /** when the last step was taken (epoch ms), if one was */
  lastStep?: number;
}

/** The new number of instances wanted, or undefined to leave it. */
export function autoscaleDecision(i: AutoscaleInput): number | undefined {
  if (i.loads.length === 0) return undefined;
  if (i.lastStep !== undefined && i.now - i.lastStep < AUTOSCALE_STEP_MS) return undefined;
  const { min, max } = i.scale;
  if (i.wanted < min) return min;
  if (i.wanted > max) return max;
  const waiting = i.loads.some((l) => l.queueWaitMs >= SCALE_UP_WAIT_MS);
  if (waiting) return i.wanted < max ? i.wanted + 1 : undefined;
  const idle = i.loads.every((l) => l.idle >= SCALE_DOWN_IDLE && l.queued === 0);
  if (idle) return i.wanted > min ? i.wanted - 1 : undefined;
  return undefined;
}
