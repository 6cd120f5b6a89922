// JSON schemas of the render farm request bodies: retry and unblock.
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
