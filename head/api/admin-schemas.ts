// JSON schemas of the admin request bodies: nodes (offline, comment, add, remove), queues and the
// server's settings.
import { LIMITS } from '../../core/policy/limits.js';
import { MAX_SCRIPT_SIZE_CEILING } from '../../core/policy/server-settings.js';
import { absolute, operands, text, whole } from './schema-parts.js';

export const nodesBody = {
  type: 'object',
  required: ['names'],
  additionalProperties: false,
  properties: { names: operands, comment: text(1024) },
} as const;

export const nodesCommentBody = {
  type: 'object',
  required: ['names', 'comment'],
  additionalProperties: false,
  properties: { names: operands, comment: text(1024) },
} as const;

const nodeName = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' } as const;

export const nodeAddBody = {
  type: 'object',
  required: ['name', 'host'],
  additionalProperties: false,
  properties: {
    name: nodeName,
    host: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9.:-]*$' },
    port: { type: 'integer', minimum: 1, maximum: 65535 },
    user: { type: 'string', pattern: '^[A-Za-z0-9._][A-Za-z0-9._-]*$' },
    identity: absolute,
    ncpus: whole(1, LIMITS.ncpus),
    mem: whole(1, Number.MAX_SAFE_INTEGER),
    ngpus: whole(0, LIMITS.ngpus),
    labels: {
      type: 'object',
      maxProperties: 100,
      propertyNames: text(64),
      additionalProperties: { type: 'string', maxLength: 256, pattern: '^[A-Za-z0-9._-]+$' },
    },
    agentCmd: text(LIMITS.path, { minLength: 1 }),
    fenceCmd: text(LIMITS.path, { minLength: 1 }),
    stateDir: absolute,
    hostKey: text(16_384, { minLength: 1 }),
  },
} as const;

export const nodeRemoveBody = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: { name: nodeName },
} as const;

const limit = { anyOf: [whole(0, LIMITS.walltime), { type: 'null' }] } as const;

export const queueChanges = {
  type: 'object',
  additionalProperties: false,
  properties: {
    enabled: { type: 'boolean' },
    started: { type: 'boolean' },
    fairshare: { type: 'boolean' },
    priority: whole(-1024, 1024),
    maxRun: limit,
    maxRunPerUser: limit,
    maxWalltime: limit,
    defaultWalltime: limit,
  },
} as const;

export const queueBody = {
  type: 'object',
  required: ['name', 'changes'],
  additionalProperties: false,
  properties: { name: { type: 'string', minLength: 1, maxLength: 64 }, changes: queueChanges },
} as const;

export const queueNameBody = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: { name: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;

const aclList = {
  anyOf: [
    { type: 'null' },
    {
      type: 'object',
      required: ['op', 'entries'],
      additionalProperties: false,
      properties: {
        op: { enum: ['=', '+=', '-='] },
        entries: { type: 'array', items: text(300, { minLength: 1 }), minItems: 1, maxItems: 1000 },
      },
    },
  ],
} as const;

const entityLimits = {
  type: 'object',
  required: ['users'],
  additionalProperties: false,
  properties: {
    all: whole(0, 1e9),
    generic: whole(0, 1e9),
    users: {
      type: 'object',
      maxProperties: 10_000,
      propertyNames: text(64),
      additionalProperties: whole(0, 1e9),
    },
  },
} as const;

export const serverBody = {
  type: 'object',
  required: ['changes'],
  additionalProperties: false,
  properties: {
    changes: {
      type: 'object',
      additionalProperties: false,
      properties: {
        defaultQueue: text(64, { minLength: 1 }),
        managers: aclList,
        operators: aclList,
        aclRoots: aclList,
        queryOtherJobs: { anyOf: [{ type: 'boolean' }, { type: 'null' }] },
        scheduling: { anyOf: [{ type: 'boolean' }, { type: 'null' }] },
        maxQueued: {
          anyOf: [
            { type: 'null' },
            {
              type: 'object',
              required: ['op', 'limits'],
              additionalProperties: false,
              properties: { op: { enum: ['=', '+=', '-='] }, limits: entityLimits },
            },
          ],
        },
        maxScriptSize: { anyOf: [{ type: 'null' }, whole(1024, MAX_SCRIPT_SIZE_CEILING)] },
        preemptiveSched: { anyOf: [{ type: 'boolean' }, { type: 'null' }] },
        // checked again by the head (core/scheduling/preempt-order.ts)
        preemptOrder: { anyOf: [{ type: 'null' }, text(64, { minLength: 1 })] },
        preemptQueuePrio: { anyOf: [{ type: 'null' }, whole(-1024, 1024)] },
      },
    },
  },
} as const;
