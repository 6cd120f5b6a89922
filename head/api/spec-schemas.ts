// The JSON schema of a JobSpec as a command sends it (and as the head re-checks a stored one):
// the resource request, variables, arrays, render farms, the script.
import { MAX_FRAMES } from '../../core/farm/frames.js';
import { LIMITS } from '../../core/policy/limits.js';
import { MAX_SCRIPT_SIZE_CEILING } from '../../core/policy/server-settings.js';
import { absolute, content, epoch, labels, path, text, whole, words } from './schema-parts.js';

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
    block: { type: 'boolean' },
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
    interactive: {
      type: 'object',
      additionalProperties: false,
      properties: { term: text(64, { pattern: '^[A-Za-z0-9._+-]+$' }) },
    },
    submitArgs: content(LIMITS.word),
    workdir: absolute,
    submitHost: text(255, { minLength: 1 }),
    // who submits is the requester the head established; a name sent here is ignored
    user: text(64),
  },
} as const;
