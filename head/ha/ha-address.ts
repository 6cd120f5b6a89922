// Addresses and paths a head with a standby needs in several places.
import { join } from 'node:path';
import { projectRoot } from '../main.js';

/** HOST:PORT as [host, port], or an error naming what was given. */
export function splitAddress(address: string): [string, number] {
  const i = address.lastIndexOf(':');
  const port = Number(address.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535)
    throw new Error(`an HA address wants HOST:PORT, got ${address}`);
  return [address.slice(0, i), port];
}

/** The migrations of the installation this head runs from. */
export function migrationsDir(): string {
  return join(projectRoot(), 'migrations');
}
