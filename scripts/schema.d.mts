// Types of scripts/schema.mjs for the test that imports it.
import type Database from 'better-sqlite3';

export const MIGRATIONS: string;
export const SCHEMA_FILE: string;
export function schemaText(migrate: (db: Database.Database, dir: string) => void, migrationsDir?: string): string;
