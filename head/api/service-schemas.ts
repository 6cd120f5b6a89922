// JSON schemas of the services and brokers request bodies: start, scale, a broker's report, and the
// `service` part of a stored instance job's spec (head/jobs/damaged-records.ts checks it).
import { BALANCE_POLICIES } from '../../core/protocol/service-view.js';
import { MAX_INSTANCES, SERVICE_NAME_PATTERN } from '../../core/service/service-options.js';
import { text, whole } from './schema-parts.js';
import { jobSpecSchema } from './spec-schemas.js';

const serviceName = { type: 'string', pattern: SERVICE_NAME_PATTERN } as const;
const urlPath = text(1024, { pattern: '^/[^\\u0000-\\u001f\\u007f]*$' });
const count = whole(0, Number.MAX_SAFE_INTEGER);
const millis = { type: 'number', minimum: 0, maximum: 1e12 } as const;

/** `spec.service` of an instance's job: set by the head, never accepted from a command. */
export const serviceInstanceSchema = {
  type: 'object',
  required: ['name', 'instance'],
  additionalProperties: false,
  properties: { name: serviceName, instance: whole(0, MAX_INSTANCES), health: urlPath },
} as const;

const settings = {
  type: 'object',
  required: ['policy', 'queue', 'retries'],
  additionalProperties: false,
  properties: {
    policy: { enum: BALANCE_POLICIES },
    hashKey: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      maxProperties: 1,
      properties: { header: text(256, { minLength: 1 }), cookie: text(256, { minLength: 1 }) },
    },
    maxConcurrency: whole(1, 1_000_000),
    health: {
      type: 'object',
      required: ['path', 'intervalMs', 'timeoutMs', 'rise', 'fall'],
      additionalProperties: false,
      properties: {
        path: urlPath,
        intervalMs: whole(100, 3_600_000),
        timeoutMs: whole(10, 3_600_000),
        rise: whole(1, 100),
        fall: whole(1, 100),
      },
    },
    queue: {
      type: 'object',
      required: ['max', 'timeoutMs'],
      additionalProperties: false,
      properties: { max: whole(0, 1_000_000), timeoutMs: whole(0, 86_400_000) },
    },
    retries: whole(0, 100),
    scale: {
      type: 'object',
      required: ['min', 'max'],
      additionalProperties: false,
      properties: { min: whole(1, MAX_INSTANCES), max: whole(1, MAX_INSTANCES) },
    },
    zoneSpread: { type: 'boolean' },
  },
} as const;

export const serviceStartBody = {
  type: 'object',
  required: ['name', 'instances', 'settings', 'spec'],
  additionalProperties: false,
  properties: { name: serviceName, instances: whole(1, MAX_INSTANCES), settings, spec: jobSpecSchema },
} as const;

export const serviceScaleBody = {
  type: 'object',
  required: ['instances'],
  additionalProperties: false,
  properties: { instances: whole(0, MAX_INSTANCES) },
} as const;

const load = {
  type: 'object',
  required: ['inFlight', 'queued', 'served', 'failed', 'queueWaitMs', 'idle', 'latencyMs'],
  additionalProperties: false,
  properties: {
    inFlight: count,
    queued: count,
    served: count,
    failed: count,
    queueWaitMs: millis,
    idle: { type: 'number', minimum: 0, maximum: 1 },
    latencyMs: {
      type: 'object',
      required: ['p50', 'p90', 'p99'],
      additionalProperties: false,
      properties: { p50: millis, p90: millis, p99: millis },
    },
  },
} as const;

export const brokerReportBody = {
  type: 'object',
  required: ['name', 'listen', 'services'],
  additionalProperties: false,
  properties: {
    name: text(255, { minLength: 1 }),
    listen: text(300),
    zone: text(64),
    services: {
      type: 'object',
      maxProperties: 10_000,
      propertyNames: serviceName,
      additionalProperties: load,
    },
  },
} as const;
