// docs/schema.sql is the schema the migrations make: regenerated in memory here (nothing is
// written), compared with the file.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../head/db/connection.js';
import { SCHEMA_FILE, schemaText } from '../../scripts/schema.mjs';

describe('docs/schema.sql', () => {
  it('is the schema that migrations/ makes', () => {
    const stored = existsSync(SCHEMA_FILE) ? readFileSync(SCHEMA_FILE, 'utf8') : '(missing)';
    expect(stored, 'docs/schema.sql is stale: run `npm run schema`').toBe(schemaText(migrate));
  });
});
