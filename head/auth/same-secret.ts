// Comparing a secret a request presents with the one the head holds (a web session's CSRF token,
// the metrics bearer token): in constant time, whatever the lengths (both are hashed first).
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string) => createHash('sha256').update(s).digest();

export function sameSecret(given: string, held: string): boolean {
  return timingSafeEqual(digest(given), digest(held));
}
