// SQL of the meta table: the job sequence counter and server settings.
import { defaultSettings, type ServerSettings } from '../../core/policy/server-settings.js';
import type { Db } from './connection.js';

/** PBS wraps the sequence after max_job_sequence_id. */
export const MAX_JOB_SEQUENCE_ID = 9_999_999;

export function metaSql(db: Db) {
  const get = db.prepare('SELECT value FROM meta WHERE key = ?').pluck();
  const set = db.prepare(
    'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  );
  const exists = db.prepare('SELECT 1 FROM jobs WHERE seq = ?').pluck();
  return {
    get(key: string): string | undefined {
      return get.get(key) as string | undefined;
    },
    set(key: string, value: string): void {
      set.run(key, value);
    },
    /** The head runs in Torque mode (`drover head --torque`). */
    torque(): boolean {
      return get.get('compat') === 'torque';
    },
    /** The server attributes set with qmgr (defaults for those never set). */
    settings(): ServerSettings {
      const text = get.get('server_settings') as string | undefined;
      return { ...defaultSettings(), ...(text ? (JSON.parse(text) as Partial<ServerSettings>) : {}) };
    },
    setSettings(s: ServerSettings): void {
      set.run('server_settings', JSON.stringify(s));
    },
    /** Take `n` internal seqs for subjobs (above every id users can type); returns the first. */
    takeSubjobSeqs(n: number): number {
      const first = Number(get.get('next_subjob_seq'));
      set.run('next_subjob_seq', String(first + n));
      return first;
    },
    /** Take the next free job sequence number (call inside the submit transaction). */
    nextSeq(): number {
      let seq = Number(get.get('next_seq') ?? 0);
      for (let tries = 0; exists.get(seq) !== undefined && tries <= MAX_JOB_SEQUENCE_ID; tries++) {
        seq = seq >= MAX_JOB_SEQUENCE_ID ? 0 : seq + 1;
      }
      set.run('next_seq', String(seq >= MAX_JOB_SEQUENCE_ID ? 0 : seq + 1));
      return seq;
    },
  };
}
