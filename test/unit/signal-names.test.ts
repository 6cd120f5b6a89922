// What `qsig -s` accepts, as PBS's MoM reads it: names with or without SIG (case-sensitive),
// numbers, and the special names of suspension.
import { describe, expect, it } from 'vitest';
import { DEFAULT_QSIG_SIGNAL, parseSignal } from '../../core/pbs/signal-names.js';

describe('parseSignal', () => {
  it('takes a name with or without SIG, and a number', () => {
    expect(parseSignal('SIGUSR1')).toEqual({ kind: 'signal', signo: 10 });
    expect(parseSignal('USR1')).toEqual({ kind: 'signal', signo: 10 });
    expect(parseSignal('10')).toEqual({ kind: 'signal', signo: 10 });
    expect(parseSignal('KILL')).toEqual({ kind: 'signal', signo: 9 });
    expect(parseSignal('SIGTERM')).toEqual({ kind: 'signal', signo: 15 });
    expect(parseSignal(DEFAULT_QSIG_SIGNAL)).toEqual({ kind: 'signal', signo: 15 });
    expect(parseSignal('SIGCLD')).toEqual({ kind: 'signal', signo: 17 });
    expect(parseSignal('CONT')).toEqual({ kind: 'signal', signo: 18 });
    expect(parseSignal('STOP')).toEqual({ kind: 'signal', signo: 19 });
  });

  it('takes SIGNULL and 0 as the signal that only checks', () => {
    expect(parseSignal('SIGNULL')).toEqual({ kind: 'signal', signo: 0 });
    expect(parseSignal('NULL')).toEqual({ kind: 'signal', signo: 0 });
    expect(parseSignal('0')).toEqual({ kind: 'signal', signo: 0 });
  });

  it('takes numbers up to the highest real-time signal, 64', () => {
    expect(parseSignal('64')).toEqual({ kind: 'signal', signo: 64 });
    expect(parseSignal('65')).toBeUndefined();
    expect(parseSignal('1000')).toBeUndefined();
  });

  it('knows the special names, lower case', () => {
    expect(parseSignal('suspend')).toEqual({ kind: 'suspend' });
    expect(parseSignal('resume')).toEqual({ kind: 'resume' });
    expect(parseSignal('admin-suspend')).toEqual({ kind: 'admin-suspend' });
    expect(parseSignal('admin-resume')).toEqual({ kind: 'admin-resume' });
    expect(parseSignal('SUSPEND')).toBeUndefined();
    expect(parseSignal('SIGsuspend')).toBeUndefined();
  });

  it('refuses what PBS does not know: lower-case names, SIG alone, signs, other words', () => {
    for (const text of [
      'usr1',
      'sigusr1',
      'SigUsr1',
      'SIG',
      '',
      'SIGSIGUSR1',
      '-9',
      '+9',
      '9x',
      ' 9',
      'USR3',
      'RTMIN',
      'toString',
      'constructor',
      '__proto__',
    ]) {
      expect(parseSignal(text), text).toBeUndefined();
    }
  });
});
