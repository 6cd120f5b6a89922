// JSON schemas of the job request bodies: submit, query, hold and release, delete and rerun,
// alter, trace, select, move, order and message; and of the output route's path and query string.
import { SELECT_ATTRS, SELECT_OPS } from '../../core/pbs/select-criteria.js';
import { LIMITS } from '../../core/policy/limits.js';
import { absolute, by, content, epoch, operands, path, text, whole } from './schema-parts.js';
import { jobSpecSchema } from './spec-schemas.js';

export const submitBody = {
  type: 'object',
  required: ['spec'],
  additionalProperties: false,
  properties: { spec: jobSpecSchema },
} as const;

export const queryBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    operands,
    history: { type: 'boolean' },
    brief: { type: 'boolean' },
    subjobs: { type: 'boolean' },
  },
} as const;

export const holdBody = {
  type: 'object',
  required: ['operands', 'types'],
  additionalProperties: false,
  properties: { operands, types: { type: 'string', pattern: '^[uosp]+$' }, by },
} as const;

export const rerunBody = {
  type: 'object',
  required: ['operands'],
  additionalProperties: false,
  properties: { operands, by },
} as const;

/** qsig: the signal as typed (a name, a number, `suspend`, `resume`; the head parses it). */
export const signalBody = {
  type: 'object',
  required: ['operands', 'signal'],
  additionalProperties: false,
  properties: { operands, signal: text(32, { minLength: 1 }), by },
} as const;

/** qdel; `history` (-x): the jobs' records go too */
export const deleteBody = {
  ...rerunBody,
  properties: { ...rerunBody.properties, history: { type: 'boolean' } },
} as const;

export const alterBody = {
  type: 'object',
  required: ['operands', 'alteration'],
  additionalProperties: false,
  properties: {
    operands,
    by,
    alteration: {
      type: 'object',
      additionalProperties: false,
      properties: {
        name: { type: 'string', minLength: 1, maxLength: LIMITS.name, pattern: '^[A-Za-z0-9._+-]+$' },
        priority: whole(-1024, 1024),
        hold: { type: 'string', pattern: '^(n|[uosp]{1,4})$' },
        executionTime: epoch,
        resourceEntries: {
          type: 'array',
          maxItems: 100,
          items: {
            type: 'object',
            required: ['name', 'value'],
            additionalProperties: false,
            properties: { name: text(64), value: text(LIMITS.path) },
          },
        },
        account: text(LIMITS.name),
        checkpoint: { type: 'string', pattern: '^(u|n|s|c|w|[cw]=\\d{1,6})$' },
        errorPath: path,
        join: { enum: ['oe', 'eo', 'n'] },
        keepFiles: text(3),
        mailPoints: text(8),
        mailUsers: text(LIMITS.path),
        outputPath: path,
        project: text(LIMITS.name),
        rerunable: { type: 'boolean' },
        shell: absolute,
        userList: text(LIMITS.path),
        depend: text(LIMITS.path, { minLength: 1 }),
      },
    },
  },
} as const;

export const traceBody = {
  type: 'object',
  required: ['operand'],
  additionalProperties: false,
  properties: { operand: operands.items },
} as const;

/** GET /v1/jobs/:id/output: the job as typed (`12`, `12.server`, `3[2]`). */
export const outputParams = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: { id: operands.items },
} as const;

/** `from`: a byte offset, digits only (a query string is text: no sign, no fraction, no exponent). */
export const outputQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    from: { type: 'string', pattern: '^[0-9]{1,15}$' },
    stream: { enum: ['out', 'err'] },
  },
} as const;

/** qselect: its tests (core/pbs/select-criteria.ts), finished jobs too, arrays as their subjobs. */
export const selectBody = {
  type: 'object',
  required: ['tests'],
  additionalProperties: false,
  properties: {
    tests: {
      type: 'array',
      maxItems: 100,
      items: {
        type: 'object',
        required: ['attr', 'op', 'value'],
        additionalProperties: false,
        properties: {
          attr: { enum: SELECT_ATTRS },
          op: { enum: SELECT_OPS },
          value: text(LIMITS.path),
          resource: text(64),
        },
      },
    },
    history: { type: 'boolean' },
    subjobs: { type: 'boolean' },
  },
} as const;

/** qmove: a destination (`queue`, `@server`, `queue@server`) and the jobs. */
export const moveBody = {
  type: 'object',
  required: ['destination', 'operands'],
  additionalProperties: false,
  properties: { destination: text(300, { minLength: 1 }), operands },
} as const;

/** qorder: two jobs. */
export const orderBody = {
  type: 'object',
  required: ['operands'],
  additionalProperties: false,
  properties: { operands: { ...operands, minItems: 2, maxItems: 2 } },
} as const;

/** qmsg: at most 256 characters (PBS's qmsg sends no more), into stderr, stdout or both. */
export const messageBody = {
  type: 'object',
  required: ['operands', 'text', 'streams'],
  additionalProperties: false,
  properties: {
    operands,
    text: content(256),
    streams: { type: 'array', minItems: 1, maxItems: 2, uniqueItems: true, items: { enum: ['out', 'err'] } },
  },
} as const;
