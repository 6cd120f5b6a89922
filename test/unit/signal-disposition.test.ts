// How a process handles a signal, read from the SigCgt and SigIgn masks of /proc/PID/status.
import { describe, expect, it } from 'vitest';
import { disposition } from '../../compute-agent/signals.js';

const status = (cgt: string, ign: string) =>
  `Name:\tbash\nState:\tS (sleeping)\nSigQ:\t0/63413\nSigPnd:\t0000000000000000\nShdPnd:\t0000000000000000\nSigBlk:\t0000000000000000\nSigIgn:\t${ign}\nSigCgt:\t${cgt}\nCapInh:\t0000000000000000\n`;

const USR1 = 10;
const USR2 = 12;
const TERM = 15;

describe('disposition', () => {
  it('a script shell without a trap: SIGUSR1 has its default action', () => {
    // bash running a script: SIGCHLD caught, SIGINT and SIGQUIT ignored in the background
    expect(disposition(status('0000000000010000', '0000000000000006'), USR1)).toBe('default');
  });

  it('trap … USR1: caught; trap "" USR2: ignored', () => {
    const s = status('0000000000010200', '0000000000000806');
    expect(disposition(s, USR1)).toBe('caught');
    expect(disposition(s, USR2)).toBe('ignored');
    expect(disposition(s, TERM)).toBe('default');
  });

  it('reads all 64 bits (the highest real-time signal is bit 63)', () => {
    const s = status('8000000000000001', '4000000000000000');
    expect(disposition(s, 64)).toBe('caught');
    expect(disposition(s, 1)).toBe('caught');
    expect(disposition(s, 63)).toBe('ignored');
    expect(disposition(s, 62)).toBe('default');
  });

  it('a mask that is missing or not hexadecimal, or a signal number out of range: unknown', () => {
    expect(disposition('Name:\tx\nSigIgn:\t0000000000000000\n', USR1)).toBeUndefined();
    expect(disposition(status('00000000000z0000', '0000000000000000'), USR1)).toBeUndefined();
    expect(disposition(status('0000000000000200', '0000000000000000'), 0)).toBeUndefined();
    expect(disposition(status('0000000000000200', '0000000000000000'), 65)).toBeUndefined();
  });
});
