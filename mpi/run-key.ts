// The run's key as ranks check it, and short names derived from a universe's id.
import { timingSafeEqual } from 'node:crypto';

/** Whether `given` is the run's key (in constant time). */
export function sameKey(given: string, key: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(key);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A short stand-in for a long name (socket paths are limited to ~108 bytes). */
export function shortHash(s: string): string {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return (h >>> 0).toString(36);
}
