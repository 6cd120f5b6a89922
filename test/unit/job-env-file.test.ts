// The node's pbs_environment file: NAME=VALUE lines for every job; Drover's commands on PATH.
import { describe, expect, it } from 'vitest';
import { jobEnvironment, parseEnvironmentFile, scriptInput } from '../../compute-agent/job-env.js';
import type { RunRequest } from '../../core/protocol/agent-protocol.js';

describe('parseEnvironmentFile', () => {
  it('reads NAME=VALUE lines and skips comments, blank lines and bad names', () => {
    expect(parseEnvironmentFile('# site\nTZ=UTC\n\nLANG=C.UTF-8=x\n1BAD=no\n  #X=1\nEMPTY=\n')).toEqual({
      TZ: 'UTC',
      LANG: 'C.UTF-8=x',
      EMPTY: '',
    });
  });
});

describe("Drover's commands first on the job's PATH", () => {
  const req = { env: [['PATH', '/submitter/bin:/usr/bin']], ncpus: 1, gpus: [] } as unknown as RunRequest;
  const account = { name: 'alice', home: '/home/alice', uid: 1000, gid: 1000, shell: '/bin/bash' };
  const paths = { nodefile: '/s/aux/1.h', tmpdir: '/var/tmp/pbs.1.h', commands: '/s/bin' };

  it('in the environment, before the PATH the job would otherwise get', () => {
    expect(jobEnvironment(req, account, '/bin/bash', paths, { PATH: '/usr/bin:/bin' }).PATH).toBe(
      '/s/bin:/submitter/bin:/usr/bin',
    );
    const { commands: _, ...without } = paths;
    expect(jobEnvironment(req, account, '/bin/bash', without, {}).PATH).toBe('/submitter/bin:/usr/bin');
  });

  it("again after the login shell's profile, in the syntax of the job's shell", () => {
    const script = "/s/jobs/1.h/it's.SC";
    const run = `'/s/jobs/1.h/it'\\''s.SC'\n`;
    for (const shell of ['/bin/bash', '/bin/sh', '/usr/bin/dash', '/bin/ksh', '/usr/bin/zsh'])
      expect(scriptInput(shell, script, '/s/my bin')).toBe(`PATH='/s/my bin':"$PATH"; export PATH\n${run}`);
    expect(scriptInput('/bin/tcsh', script, '/s/bin')).toBe(`setenv PATH '/s/bin':"$PATH"\n${run}`);
    expect(scriptInput('/usr/bin/fish', script, '/s/bin')).toBe(run);
    expect(scriptInput('/bin/bash', script)).toBe(run);
  });
});
