// JSON schemas of the render farm request bodies: retry, unblock, pause, resume and kill.
import { MAX_FRAMES } from '../../core/farm/frames.js';
import { by, text, whole } from './schema-parts.js';

export const farmRetryBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    frames: { type: 'array', items: whole(-(2 ** 31), 2 ** 31), minItems: 1, maxItems: MAX_FRAMES },
    failed: { type: 'boolean' },
    by,
  },
} as const;

export const farmUnblockBody = {
  type: 'object',
  additionalProperties: false,
  properties: { node: text(64, { minLength: 1 }), by },
} as const;

/** pause and resume: nothing to say but who asks (ignored: the head knows). */
export const farmControlBody = {
  type: 'object',
  additionalProperties: false,
  properties: { by },
} as const;

/** kill: the whole farm, or the tasks that render these frames. */
export const farmKillBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    frames: { type: 'array', items: whole(-(2 ** 31), 2 ** 31), minItems: 1, maxItems: MAX_FRAMES },
    by,
  },
} as const;
