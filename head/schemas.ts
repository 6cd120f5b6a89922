// JSON schemas of the API bodies: the head re-validates everything a command sends.
import { MAX_FRAMES } from '../core/frames.js';

const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;
const strings = { type: 'array', items: str } as const;
const operands = {
  type: 'array',
  items: { type: 'string', minLength: 1, maxLength: 300 },
  minItems: 1,
} as const;

const chunk = {
  type: 'object',
  required: ['count', 'ncpus', 'mpiprocs', 'ompthreads', 'labels'],
  additionalProperties: false,
  properties: {
    count: { type: 'integer', minimum: 1 },
    ncpus: { type: 'integer', minimum: 0 },
    mem: { type: 'integer', minimum: 0 },
    ngpus: { type: 'integer', minimum: 0 },
    mpiprocs: { type: 'integer', minimum: 0 },
    ompthreads: { type: 'integer', minimum: 0 },
    labels: { type: 'object', additionalProperties: str },
  },
} as const;

export const resourcesSchema = {
  type: 'object',
  required: ['chunks', 'place', 'list'],
  additionalProperties: false,
  properties: {
    chunks: { type: 'array', items: chunk, minItems: 1 },
    place: {
      type: 'object',
      required: ['arrangement'],
      additionalProperties: false,
      properties: {
        arrangement: { enum: ['free', 'pack', 'scatter', 'vscatter'] },
        sharing: { enum: ['excl', 'shared', 'exclhost'] },
        group: str,
      },
    },
    walltime: { type: 'integer', minimum: 0 },
    cput: { type: 'integer', minimum: 0 },
    list: { type: 'object', additionalProperties: str },
  },
} as const;

export const jobSpecSchema = {
  type: 'object',
  required: [
    'name',
    'resources',
    'join',
    'keepFiles',
    'hold',
    'priority',
    'variables',
    'project',
    'rerunable',
    'checkpoint',
    'mailPoints',
    'submitArgs',
    'workdir',
    'submitHost',
    'user',
  ],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 230, pattern: '^[A-Za-z0-9._+-]+$' },
    queue: { type: 'string', minLength: 1 },
    resources: resourcesSchema,
    outputPath: { type: 'string', minLength: 1 },
    errorPath: { type: 'string', minLength: 1 },
    join: { enum: ['oe', 'eo', 'n'] },
    keepFiles: str,
    hold: { type: 'boolean' },
    executionTime: int,
    priority: { type: 'integer', minimum: -1024, maximum: 1024 },
    variables: { type: 'array', items: { type: 'array', items: str, minItems: 2, maxItems: 2 } },
    shell: { type: 'string', pattern: '^/' },
    account: str,
    project: str,
    rerunable: { type: 'boolean' },
    checkpoint: str,
    checkpointSignal: { type: 'string', pattern: '^SIG[A-Z0-9]+$' },
    mailPoints: str,
    mailUsers: str,
    userList: str,
    depend: str,
    cron: { type: 'string', minLength: 1, maxLength: 200 },
    array: {
      type: 'object',
      required: ['submitted', 'style'],
      additionalProperties: false,
      properties: {
        submitted: { type: 'string', minLength: 1, maxLength: 4000 },
        style: { enum: ['pbs', 'torque'] },
        maxRun: { type: 'integer', minimum: 1 },
      },
    },
    farm: {
      type: 'object',
      required: ['frames', 'chunk', 'command', 'retries', 'nodeFailures'],
      additionalProperties: false,
      properties: {
        frames: { type: 'array', items: { type: 'integer' }, minItems: 1, maxItems: MAX_FRAMES },
        chunk: { type: 'integer', minimum: 1 },
        command: { type: 'array', items: { type: 'string' }, minItems: 1 },
        retries: { type: 'integer', minimum: 0 },
        nodeFailures: { type: 'integer', minimum: 1 },
        stallTimeout: { type: 'integer', minimum: 1 },
        timeout: { type: 'integer', minimum: 1 },
        thenCommand: { type: 'string', minLength: 1 },
      },
    },
    script: str,
    executable: { type: 'string', minLength: 1 },
    argv: strings,
    submitArgs: str,
    workdir: { type: 'string', pattern: '^/' },
    submitHost: { type: 'string', minLength: 1 },
    user: { type: 'string', minLength: 1, pattern: '^[A-Za-z0-9._][A-Za-z0-9._-]*$' },
  },
} as const;

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

const by = { type: 'string', minLength: 1 } as const;

export const holdBody = {
  type: 'object',
  required: ['operands', 'types', 'by'],
  additionalProperties: false,
  properties: { operands, types: { type: 'string', pattern: '^[uosp]+$' }, by },
} as const;

export const deleteBody = {
  type: 'object',
  required: ['operands', 'by'],
  additionalProperties: false,
  properties: { operands, by },
} as const;

export const alterBody = {
  type: 'object',
  required: ['operands', 'alteration', 'by'],
  additionalProperties: false,
  properties: {
    operands,
    by,
    alteration: {
      type: 'object',
      additionalProperties: false,
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 230, pattern: '^[A-Za-z0-9._+-]+$' },
        priority: { type: 'integer', minimum: -1024, maximum: 1024 },
        hold: { type: 'string', pattern: '^(n|[uosp]+)$' },
        executionTime: int,
        resourceEntries: {
          type: 'array',
          items: {
            type: 'object',
            required: ['name', 'value'],
            additionalProperties: false,
            properties: { name: str, value: str },
          },
        },
        account: str,
        checkpoint: str,
        errorPath: { type: 'string', minLength: 1 },
        join: { enum: ['oe', 'eo', 'n'] },
        keepFiles: str,
        mailPoints: str,
        mailUsers: str,
        outputPath: { type: 'string', minLength: 1 },
        project: str,
        rerunable: { type: 'boolean' },
        shell: { type: 'string', pattern: '^/' },
        userList: str,
        depend: { type: 'string', minLength: 1 },
      },
    },
  },
} as const;

export const traceBody = {
  type: 'object',
  required: ['operand'],
  additionalProperties: false,
  properties: { operand: { type: 'string', minLength: 1 } },
} as const;

export const nodesBody = {
  type: 'object',
  required: ['names'],
  additionalProperties: false,
  properties: { names: operands, comment: str },
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
    identity: { type: 'string', pattern: '^/' },
    ncpus: { type: 'integer', minimum: 1 },
    mem: { type: 'integer', minimum: 1 },
    ngpus: { type: 'integer', minimum: 0 },
    labels: { type: 'object', additionalProperties: { type: 'string', pattern: '^[A-Za-z0-9._-]+$' } },
    agentCmd: { type: 'string', minLength: 1 },
    fenceCmd: { type: 'string', minLength: 1 },
    stateDir: { type: 'string', minLength: 1 },
    hostKey: { type: 'string', minLength: 1 },
  },
} as const;

export const nodeRemoveBody = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: { name: nodeName },
} as const;

const limit = { anyOf: [{ type: 'integer', minimum: 0 }, { type: 'null' }] } as const;

export const queueChanges = {
  type: 'object',
  additionalProperties: false,
  properties: {
    enabled: { type: 'boolean' },
    started: { type: 'boolean' },
    fairshare: { type: 'boolean' },
    priority: { type: 'integer', minimum: -1024, maximum: 1024 },
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

export const farmRetryBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    frames: { type: 'array', items: { type: 'integer' }, minItems: 1, maxItems: 100_000 },
    failed: { type: 'boolean' },
    by,
  },
} as const;

export const farmUnblockBody = {
  type: 'object',
  additionalProperties: false,
  properties: { node: { type: 'string', minLength: 1 } },
} as const;
