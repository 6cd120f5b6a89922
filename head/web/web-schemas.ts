// JSON schemas of the web view's requests: the jobs table's query string. Query strings are text:
// numbers are checked as digits, then read.

import { text } from '../api/schema-parts.js';
import { WEB_SORTS } from '../db/jobs-table-web.js';

const digits = (max: number) => ({ type: 'string', pattern: `^[1-9][0-9]{0,${max - 1}}$` }) as const;

export const jobPageQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    user: text(64, { minLength: 1 }),
    state: { type: 'string', pattern: '^[QHWRETBSFXMU]{1,12}$' },
    queue: text(64, { minLength: 1 }),
    name: text(256, { minLength: 1 }),
    array: { type: 'string', maxLength: 300, pattern: '^[0-9]+\\[\\](\\.[^\\u0000-\\u001f\\u007f]*)?$' },
    sort: { type: 'string', enum: [...WEB_SORTS] },
    dir: { type: 'string', enum: ['asc', 'desc'] },
    page: digits(7),
    per: digits(3),
  },
} as const;
