// JSON schemas of the API bodies: the head re-validates everything a command sends. Every string
// and array has a maximum, every number a range (core/limits.ts); names, paths and words hold no
// control characters, and nothing holds a NUL (scripts and variable values may hold newlines).
import { MAX_FRAMES } from '../../core/farm/frames.js';
import { LIMITS } from '../../core/policy/limits.js';
import { MAX_SCRIPT_SIZE_CEILING } from '../../core/policy/server-settings.js';

/** The patterns of text without control characters, and of text without NUL (for messages). */
export const NO_CONTROL = '^[^\\u0000-\\u001f\\u007f]*$';
export const NO_NUL = '^[^\\u0000]*$';

/** A string of at most `max` characters without control characters. */
const text = (max: number, more: object = {}) =>
  ({ type: 'string', maxLength: max, pattern: NO_CONTROL, ...more }) as const;
/** Free text (a script, a variable's value): anything but NUL. */
const content = (max: number) => ({ type: 'string', maxLength: max, pattern: NO_NUL }) as const;
const whole = (minimum: number, maximum: number) => ({ type: 'integer', minimum, maximum }) as const;

const str = text(LIMITS.word);
const path = text(LIMITS.path, { minLength: 1 });
const absolute = text(LIMITS.path, { pattern: '^/[^\\u0000-\\u001f\\u007f]*$' });
const epoch = whole(0, 2 ** 40);
const words = { type: 'array', items: str, maxItems: LIMITS.argv } as const;
// job ids as typed: trailing whitespace (a newline from `$(qsub …)`) is allowed, as PBS allows it
const operands = {
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
const labels = {
  type: 'object',
  maxProperties: 100,
  propertyNames: text(64),
  additionalProperties: text(256),
} as const;

const chunk = {
  type: 'object',
  required: ['count', 'ncpus', 'mpiprocs', 'ompthreads', 'labels'],
  additionalProperties: false,
  properties: {
    count: whole(1, LIMITS.chunkCount),
    ncpus: whole(0, LIMITS.ncpus),
    mem: whole(0, Number.MAX_SAFE_INTEGER),
    ngpus: whole(0, LIMITS.ngpus),
    mpiprocs: whole(0, LIMITS.mpiprocs),
    ompthreads: whole(0, LIMITS.ompthreads),
    labels,
  },
} as const;

export const resourcesSchema = {
  type: 'object',
  required: ['chunks', 'place', 'list'],
  additionalProperties: false,
  properties: {
    chunks: { type: 'array', items: chunk, minItems: 1, maxItems: LIMITS.chunkKinds },
    place: {
      type: 'object',
      required: ['arrangement'],
      additionalProperties: false,
      properties: {
        arrangement: { enum: ['free', 'pack', 'scatter', 'vscatter'] },
        sharing: { enum: ['excl', 'shared', 'exclhost'] },
        group: text(64),
      },
    },
    walltime: whole(0, LIMITS.walltime),
    cput: whole(0, LIMITS.walltime),
    list: labels,
  },
} as const;

const variable = {
  type: 'array',
  items: [
    text(1024, { minLength: 1, pattern: '^[^\\u0000-\\u001f\\u007f=]+$' }),
    content(LIMITS.variableValue),
  ],
  minItems: 2,
  maxItems: 2,
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
  ],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: LIMITS.name, pattern: '^[A-Za-z0-9._+-]+$' },
    queue: text(64, { minLength: 1 }),
    resources: resourcesSchema,
    outputPath: path,
    errorPath: path,
    join: { enum: ['oe', 'eo', 'n'] },
    keepFiles: text(3),
    hold: { type: 'boolean' },
    executionTime: epoch,
    priority: whole(-1024, 1024),
    variables: { type: 'array', items: variable, maxItems: LIMITS.variables },
    shell: absolute,
    account: text(LIMITS.name),
    project: text(LIMITS.name),
    rerunable: { type: 'boolean' },
    checkpoint: { type: 'string', pattern: '^(u|n|s|c|w|[cw]=\\d{1,6})$' },
    checkpointSignal: { type: 'string', maxLength: 16, pattern: '^SIG[A-Z0-9]+$' },
    umask: { type: 'string', pattern: '^[0-7]{1,4}$' },
    mailPoints: text(8),
    mailUsers: text(LIMITS.path),
    userList: text(LIMITS.path),
    depend: text(LIMITS.path),
    cron: text(200, { minLength: 1 }),
    array: {
      type: 'object',
      required: ['submitted', 'style'],
      additionalProperties: false,
      properties: {
        submitted: text(4000, { minLength: 1 }),
        style: { enum: ['pbs', 'torque'] },
        maxRun: whole(1, LIMITS.chunkCount),
      },
    },
    farm: {
      type: 'object',
      required: ['frames', 'chunk', 'command', 'retries', 'nodeFailures'],
      additionalProperties: false,
      properties: {
        frames: {
          type: 'array',
          items: whole(-(2 ** 31), 2 ** 31),
          minItems: 1,
          maxItems: MAX_FRAMES,
        },
        chunk: whole(1, MAX_FRAMES),
        command: { ...words, minItems: 1 },
        retries: whole(0, 1000),
        nodeFailures: whole(1, 1000),
        stallTimeout: whole(1, LIMITS.walltime),
        timeout: whole(1, LIMITS.walltime),
        thenCommand: content(LIMITS.word),
      },
    },
    script: content(MAX_SCRIPT_SIZE_CEILING),
    executable: path,
    argv: words,
    submitArgs: content(LIMITS.word),
    workdir: absolute,
    submitHost: text(255, { minLength: 1 }),
    // who submits is the requester the head established; a name sent here is ignored
    user: text(64),
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

/** `by` is who acts: the head knows it (head/auth/); older commands send it and it is ignored. */
const by = text(300);

export const holdBody = {
  type: 'object',
  required: ['operands', 'types'],
  additionalProperties: false,
  properties: { operands, types: { type: 'string', pattern: '^[uosp]+$' }, by },
} as const;

export const deleteBody = {
  type: 'object',
  required: ['operands'],
  additionalProperties: false,
  properties: { operands, by },
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
      },
    },
  },
} as const;
