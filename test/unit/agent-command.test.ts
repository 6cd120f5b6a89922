// The command the head runs over SSH to start a node's agent: --agent-cmd's words, or this head's
// own installation when the node has it at the same paths, else `drover` from the node's PATH.
// The choice is made by /bin/sh on the node: here it runs with real and missing paths.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { agentStartHint, nodeDroverCommand } from '../../head/nodes/agent-command.js';

const dir = mkdtempSync(join(tmpdir(), 'drover-agent-cmd-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Run the command as the node's shell would, with `PATH` as its login PATH. */
function runOnNode(argv: string[], path: string) {
  const r = spawnSync(argv[0]!, [...argv.slice(1), 'agent', '--state-dir', 'it has spaces'], {
    env: { PATH: path },
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('nodeDroverCommand', () => {
  it('takes --agent-cmd as words', () => {
    expect(nodeDroverCommand({ agentCmd: ' node  /opt/drover/dist/cli/drover.js ' }, ['/n', '/d'])).toEqual([
      'node',
      '/opt/drover/dist/cli/drover.js',
    ]);
  });

  it("runs the head's node and drover.js when the node has both", () => {
    const js = join(dir, 'drover.js');
    writeFileSync(js, 'console.log(JSON.stringify(process.argv.slice(2)));\n');
    const r = runOnNode(nodeDroverCommand({}, [process.execPath, js]), '/nonexistent');
    expect(r).toEqual({ code: 0, stdout: '["agent","--state-dir","it has spaces"]\n', stderr: '' });
  });

  it('falls back to drover on the PATH, and says so when there is none', () => {
    const bin = join(dir, 'bin');
    const fake = join(bin, 'drover');
    rmSync(bin, { recursive: true, force: true });
    mkdirSync(bin);
    writeFileSync(fake, '#!/bin/sh\nfor a in "$@"; do echo "[$a]"; done\n');
    chmodSync(fake, 0o755);
    const argv = nodeDroverCommand({}, ['/nonexistent/node', join(dir, 'drover.js')]);
    expect(runOnNode(argv, `/usr/bin:/bin:${bin}`)).toEqual({
      code: 0,
      stdout: '[agent]\n[--state-dir]\n[it has spaces]\n',
      stderr: '',
    });
    const missing = runOnNode(argv, '/usr/bin:/bin');
    expect(missing.code).toBe(127);
    expect(missing.stderr).toMatch(/drover: not found/);
  });

  it('names the fix when the agent does not start', () => {
    expect(agentStartHint({ name: 'n1', agentCmd: '/x/drover' }, ['/n', '/d'])).toMatch(
      /^the node runs `\/x\/drover agent --state-dir DIR --ensure` over SSH: .*drover node remove n1, then add it again with --agent-cmd/,
    );
    expect(agentStartHint({ name: 'n1' }, ['/usr/bin/node', '/opt/drover/dist/cli/drover.js'])).toMatch(
      /^without --agent-cmd the node runs this head's installation \(\/usr\/bin\/node \/opt\/drover\/dist\/cli\/drover\.js\) .*npm i -g/,
    );
  });
});
