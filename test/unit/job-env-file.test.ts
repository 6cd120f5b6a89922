// The node's pbs_environment file: NAME=VALUE lines for every job.
import { describe, expect, it } from 'vitest';
import { parseEnvironmentFile } from '../../compute-agent/job-env.js';

describe('parseEnvironmentFile', () => {
  it('reads NAME=VALUE lines and skips comments, blank lines and bad names', () => {
    expect(parseEnvironmentFile('# site\nTZ=UTC\n\nLANG=C.UTF-8=x\n1BAD=no\n  #X=1\nEMPTY=\n')).toEqual({
      TZ: 'UTC',
      LANG: 'C.UTF-8=x',
      EMPTY: '',
    });
  });
});
