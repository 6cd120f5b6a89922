// The pieces the API's JSON schemas are built of (the head re-validates everything a command
// sends): every string and array has a maximum, every number a range (core/policy/limits.ts);
// names, paths and words hold no control characters, and nothing holds a NUL (scripts and
// variable values may hold newlines).
import { LIMITS } from '../../core/policy/limits.js';

/** The patterns of text without control characters, and of text without NUL (for messages). */
export const NO_CONTROL = '^[^\\u0000-\\u001f\\u007f]*$';
export const NO_NUL = '^[^\\u0000]*$';

/** A string of at most `max` characters without control characters. */
export const text = (max: number, more: object = {}) =>
  ({ type: 'string', maxLength: max, pattern: NO_CONTROL, ...more }) as const;
/** Free text (a script, a variable's value): anything but NUL. */
export const content = (max: number) => ({ type: 'string', maxLength: max, pattern: NO_NUL }) as const;
export const whole = (minimum: number, maximum: number) => ({ type: 'integer', minimum, maximum }) as const;

const str = text(LIMITS.word);
export const path = text(LIMITS.path, { minLength: 1 });
export const absolute = text(LIMITS.path, { pattern: '^/[^\\u0000-\\u001f\\u007f]*$' });
export const epoch = whole(0, 2 ** 40);
export const words = { type: 'array', items: str, maxItems: LIMITS.argv } as const;
// job ids as typed: trailing whitespace (a newline from `$(qsub …)`) is allowed, as PBS allows it
export const operands = {
  type: 'array',
  items: {
    type: 'string',
    minLength: 1,
    maxLength: 300,
    pattern: '^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f]*$',
  },
  minItems: 1,
  maxItems: LIMITS.operands,
} as const;
export const labels = {
  type: 'object',
  maxProperties: 100,
  propertyNames: text(64),
  additionalProperties: text(256),
} as const;

/** `by` is who acts: the head knows it (head/auth/); older commands send it and it is ignored. */
export const by = text(300);

/** `-l` as name/value pairs (at most 100), each value at most `valueMax` characters. */
export const resourceEntries = (valueMax: number, nameMore: object = {}) =>
  ({
    type: 'array',
    maxItems: 100,
    items: {
      type: 'object',
      required: ['name', 'value'],
      additionalProperties: false,
      properties: { name: text(64, nameMore), value: text(valueMax) },
    },
  }) as const;
