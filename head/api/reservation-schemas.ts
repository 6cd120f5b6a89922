// JSON schemas of the reservation request bodies: pbs_rsub's request, and the ids pbs_rstat and
// pbs_rdel name.
import { LIMITS } from '../../core/policy/limits.js';
import { epoch, operands, text, whole } from './schema-parts.js';

export const resvSubmitBody = {
  type: 'object',
  required: ['request'],
  additionalProperties: false,
  properties: {
    request: {
      type: 'object',
      required: ['resources'],
      additionalProperties: false,
      properties: {
        start: epoch,
        end: epoch,
        resources: {
          type: 'array',
          maxItems: 100,
          items: {
            type: 'object',
            required: ['name', 'value'],
            additionalProperties: false,
            properties: { name: text(64, { minLength: 1 }), value: text(LIMITS.word) },
          },
        },
        name: text(LIMITS.name, { minLength: 1 }),
        authorizedUsers: { type: 'array', maxItems: 1000, items: text(300, { minLength: 1 }) },
        mailPoints: text(16),
        mailUsers: text(LIMITS.word),
        interactive: whole(-(2 ** 31), 2 ** 31),
      },
    },
  },
} as const;

export const resvQueryBody = {
  type: 'object',
  additionalProperties: false,
  properties: { operands: { ...operands, minItems: 0 } },
} as const;

export const resvDeleteBody = {
  type: 'object',
  required: ['operands'],
  additionalProperties: false,
  properties: { operands },
} as const;
