import { describe, expect, it } from 'vitest';
import type { Result } from '../../core/errors.js';
import type { JobSpec } from '../../core/job-spec-types.js';
import { buildJobSpec, type QsubBuildInput } from '../../core/pbs/job-spec.js';
import { parseQsubCommandLine, resolveStdPath } from '../../core/pbs/qsub-command-line.js';
import { buildResourceRequest } from '../../core/pbs/resources.js';

const ENV = {
  HOME: '/home/ann',
  LANG: 'C.UTF-8',
  LOGNAME: 'ann',
  PATH: '/usr/bin:/bin',
  MAIL: '/var/mail/ann',
  SHELL: '/bin/bash',
  FOO: 'foo',
  LIST: 'a,b',
  PBS_O_QUEUE: 'stale',
};
const CWD = '/home/ann/work';
const NOW = Math.floor(new Date(2024, 5, 15, 12, 0, 0).getTime() / 1000);
const SCRIPT = '#!/bin/bash\necho hi\n';

const BASIC: [string, string][] = [
  ['PBS_O_HOME', '/home/ann'],
  ['PBS_O_LANG', 'C.UTF-8'],
  ['PBS_O_LOGNAME', 'ann'],
  ['PBS_O_PATH', '/usr/bin:/bin'],
  ['PBS_O_MAIL', '/var/mail/ann'],
  ['PBS_O_SHELL', '/bin/bash'],
  ['PBS_O_WORKDIR', CWD],
  ['PBS_O_SYSTEM', 'Linux'],
  ['PBS_O_HOST', 'login1'],
];

function submit(argv: string[], script = SCRIPT, input: Partial<QsubBuildInput> = {}): Result<JobSpec> {
  const cmdline = parseQsubCommandLine(argv, { torque: input.torque === true });
  if (!cmdline.ok) return cmdline;
  return buildJobSpec({
    cmdline: cmdline.value,
    script,
    env: ENV,
    cwd: CWD,
    host: 'login1',
    user: 'ann',
    now: NOW,
    argv,
    ...input,
  });
}

function spec(argv: string[], script = SCRIPT, input: Partial<QsubBuildInput> = {}): JobSpec {
  const result = submit(argv, script, input);
  if (!result.ok) throw new Error(`refused: ${result.error.message}`);
  return result.value;
}

function refusal(argv: string[], script = SCRIPT, input: Partial<QsubBuildInput> = {}) {
  const result = submit(argv, script, input);
  return result.ok ? undefined : result.error;
}

function resources(...values: string[]) {
  const result = buildResourceRequest(
    values.map((v) => ({ name: v.split('=')[0] as string, value: v.slice(v.indexOf('=') + 1) })),
  );
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

describe('buildJobSpec defaults', () => {
  it('describes a plain script job', () => {
    expect(spec(['job.sh'])).toEqual({
      name: 'job.sh',
      resources: resources(),
      join: 'n',
      keepFiles: 'n',
      hold: false,
      priority: 0,
      variables: BASIC,
      project: '_pbs_project_default',
      rerunable: true,
      checkpoint: 'u',
      mailPoints: 'a',
      script: SCRIPT,
      submitArgs: 'job.sh',
      workdir: CWD,
      submitHost: 'login1',
      user: 'ann',
    });
  });

  it('names a stdin job STDIN', () => {
    expect(spec([]).name).toBe('STDIN');
    expect(spec(['-']).name).toBe('STDIN');
  });

  it('describes an executable job without a script or directive scan', () => {
    const job = spec(['-N', 'x', '--', '/bin/echo', 'hi'], '#PBS -N ignored\n');
    expect(job.executable).toBe('/bin/echo');
    expect(job.argv).toEqual(['hi']);
    expect(job.script).toBeUndefined();
    expect(job.name).toBe('x');
    expect(spec(['--', '/bin/true']).name).toBe('STDIN');
  });

  it('keeps the literal argv as Submit_arguments', () => {
    expect(spec(['-l', 'walltime=1:00', '-N', 'a', 'job.sh']).submitArgs).toBe(
      '-l walltime=1:00 -N a job.sh',
    );
  });

  it('takes the shell from PBS_SHELL when -S is absent', () => {
    expect(spec(['job.sh'], SCRIPT, { env: { ...ENV, PBS_SHELL: '/bin/zsh' } }).shell).toBe('/bin/zsh');
    expect(spec(['-S', '/bin/sh', 'job.sh'], SCRIPT, { env: { ...ENV, PBS_SHELL: '/bin/zsh' } }).shell).toBe(
      '/bin/sh',
    );
  });

  it('stores the script with directive continuations joined', () => {
    expect(spec(['job.sh'], '#PBS -N a \\\n-j oe\necho\n').script).toBe('#PBS -N a -j oe\necho\n');
  });
});

describe('buildJobSpec: job name (-N) precedence', () => {
  it.each([
    [['job.sh'], SCRIPT, 'job.sh'],
    [['dir/sub/run.sh'], SCRIPT, 'run.sh'],
    [['job.sh'], '#PBS -N fromdirective\necho\n', 'fromdirective'],
    [['-N', 'cmdline', 'job.sh'], '#PBS -N fromdirective\necho\n', 'cmdline'],
    [['job.sh'], '#PBS -N first\n#PBS -N second\n', 'second'],
    [['-N', '1st.run+x_y-z', 'job.sh'], SCRIPT, '1st.run+x_y-z'],
  ])('%j with %j → %s', (argv, script, name) => {
    expect(spec(argv, script).name).toBe(name);
  });

  it('prefers the scriptName given', () => {
    expect(spec(['/tmp/x.sh'], SCRIPT, { scriptName: 'other.sh' }).name).toBe('other.sh');
  });

  it('validates the default name from the script', () => {
    expect(refusal(['my job.sh'])).toEqual({ code: 'USAGE', message: 'illegal -N value', usage: true });
  });

  it('accepts a bad script name when -N replaces it', () => {
    expect(spec(['-N', 'ok', 'my job.sh']).name).toBe('ok');
  });

  it('refuses a name that is too long', () => {
    expect(refusal(['-N', 'x'.repeat(231), 'job.sh'])).toEqual({
      code: 'USAGE',
      message: 'Job name is too long ',
    });
    expect(spec(['-N', 'x'.repeat(230), 'job.sh']).name).toHaveLength(230);
  });
});

describe('buildJobSpec: -l precedence', () => {
  it('lets the command line beat a directive per resource and combines the rest', () => {
    const job = spec(['-l', 'walltime=2:00:00', 'job.sh'], '#PBS -l walltime=1:00:00,mem=1gb\necho\n');
    expect(job.resources).toEqual(resources('walltime=2:00:00', 'mem=1gb'));
  });

  it('keeps the first directive for a resource', () => {
    const job = spec(['job.sh'], '#PBS -l walltime=1:00:00\n#PBS -l walltime=5:00:00\n');
    expect(job.resources.walltime).toBe(3600);
  });

  it('lets a later command-line -l override an earlier one', () => {
    expect(spec(['-l', 'ncpus=1', '-l', 'ncpus=4', 'job.sh']).resources.list.ncpus).toBe('4');
  });

  it('refuses mixing nodes and select across sources', () => {
    expect(refusal(['-l', 'nodes=2', 'job.sh'], '#PBS -l select=1:ncpus=1\n')).toEqual({
      code: 'NODES_WITH_SELECT',
      message: 'Cannot be used with select or place: nodes',
    });
  });

  it('passes resource refusals through', () => {
    expect(refusal(['-l', 'foo=1', 'job.sh'])).toEqual({
      code: 'UNKNOWN_RESOURCE',
      message: 'Unknown resource Resource_List.foo',
    });
  });
});

describe('buildJobSpec: environment', () => {
  it('sends PBS_O_TZ when set and / as home when HOME is unset', () => {
    const env = { TZ: 'Europe/Paris', PATH: '/bin' };
    expect(spec(['job.sh'], SCRIPT, { env }).variables).toEqual([
      ['PBS_O_HOME', '/'],
      ['PBS_O_PATH', '/bin'],
      ['PBS_O_TZ', 'Europe/Paris'],
      ['PBS_O_WORKDIR', CWD],
      ['PBS_O_SYSTEM', 'Linux'],
      ['PBS_O_HOST', 'login1'],
    ]);
  });

  it.each([
    ["v1='A,B,C'", [['v1', 'A,B,C']]],
    [
      'a=1,b=2',
      [
        ['a', '1'],
        ['b', '2'],
      ],
    ],
    ['FOO', [['FOO', 'foo']]],
    [
      'FOO,x="y z"',
      [
        ['FOO', 'foo'],
        ['x', 'y z'],
      ],
    ],
    ['', []],
    ['PBS_O_X=1,keep=1', [['keep', '1']]],
    ['e=', [['e', '']]],
  ])('-v %j', (list, added) => {
    expect(spec(['-v', list, 'job.sh']).variables).toEqual([...BASIC, ...added]);
  });

  it('refuses -v of an unset variable', () => {
    expect(refusal(['-v', 'NOPE', 'job.sh'])).toEqual({
      code: 'FAILED',
      message: 'cannot send environment with the job',
    });
  });

  it('refuses a malformed -v list', () => {
    expect(refusal(['-v', 'a="b', 'job.sh'])).toEqual({
      code: 'USAGE',
      message: 'illegal -v value',
      usage: true,
    });
    expect(refusal(['-v', '=b', 'job.sh'])).toEqual({
      code: 'USAGE',
      message: 'illegal -v value',
      usage: true,
    });
  });

  it('lets a command-line -v replace the directive list', () => {
    const job = spec(['-v', 'a=cmd', 'job.sh'], '#PBS -v a=dir,b=dir\n');
    expect(job.variables).toEqual([...BASIC, ['a', 'cmd']]);
    expect(spec(['job.sh'], '#PBS -v a=dir,b=dir\n').variables).toEqual([
      ...BASIC,
      ['a', 'dir'],
      ['b', 'dir'],
    ]);
  });

  it('exports the whole environment with -V, after -v and without PBS_O_*', () => {
    const job = spec(['-V', '-v', 'FOO=mine', 'job.sh']);
    expect(job.variables).toEqual([
      ...BASIC,
      ['FOO', 'mine'],
      ['HOME', '/home/ann'],
      ['LANG', 'C.UTF-8'],
      ['LOGNAME', 'ann'],
      ['PATH', '/usr/bin:/bin'],
      ['MAIL', '/var/mail/ann'],
      ['SHELL', '/bin/bash'],
      ['LIST', 'a,b'],
    ]);
  });

  it('honours -V in a directive', () => {
    expect(spec(['job.sh'], '#PBS -V\n').variables).toContainEqual(['LIST', 'a,b']);
  });

  it('records -d as PBS_O_INITDIR and keeps the working directory', () => {
    const job = spec(['-d', 'run', 'job.sh']);
    expect(job.variables).toContainEqual(['PBS_O_INITDIR', `${CWD}/run`]);
    expect(job.workdir).toBe(CWD);
  });
});

describe('buildJobSpec: paths', () => {
  it.each([
    ['out.txt', `${CWD}/out.txt`],
    ['../logs/out.txt', '/home/ann/logs/out.txt'],
    ['/abs/out.txt', '/abs/out.txt'],
    ['logs/', `${CWD}/logs/`],
    ['/', '/'],
    ['login1:/x/out.txt', '/x/out.txt'],
    ['otherhost:rel.txt', 'rel.txt'],
  ])('-o %s → %s', (value, path) => {
    expect(spec(['-o', value, '-e', value, 'job.sh'])).toMatchObject({ outputPath: path, errorPath: path });
  });

  it.each([['-o'], ['-e']])('refuses an empty %s', (letter) => {
    expect(refusal([letter, '', 'job.sh'])).toEqual({
      code: 'USAGE',
      message: `illegal ${letter} value`,
      usage: true,
    });
  });
});

describe('buildJobSpec: option values', () => {
  it.each([
    [['-p', '-1024'], { priority: -1024 }],
    [['-p', '1023'], { priority: 1023 }],
    [['-p', '+5'], { priority: 5 }],
    [['-r', 'n'], { rerunable: false }],
    [['-j', 'oe'], { join: 'oe' }],
    [['-j', 'eo'], { join: 'eo' }],
    [['-k', 'oe'], { keepFiles: 'oe' }],
    [['-m', 'abe'], { mailPoints: 'abe' }],
    [['-m', 'n'], { mailPoints: 'n' }],
    [['-M', 'ann@x,bob'], { mailUsers: 'ann@x,bob' }],
    [['-c', 'c=10'], { checkpoint: 'c=10' }],
    [['-A', 'acct 1'], { account: 'acct 1' }],
    [['-P', 'proj-1'], { project: 'proj-1' }],
    [['-q', 'workq'], { queue: 'workq' }],
    [['-q', 'long@svr'], { queue: 'long' }],
    [['-u', 'ann'], { userList: 'ann' }],
    [['-h'], { hold: true }],
    [['-W', 'depend=afterok:12.svr'], { depend: 'afterok:12.svr' }],
    [['-W', 'depend="afterok:1:2,afterany:3"'], { depend: 'afterok:1:2,afterany:3' }],
  ])('%j', (options, expected) => {
    expect(spec([...options, 'job.sh'])).toMatchObject(expected);
  });

  it('accepts -W umask and block and stores no dependency', () => {
    const result = submit(['-W', 'umask=022,block=false', 'job.sh']);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.value.depend).toBeUndefined();
  });

  it('takes a -q of only a server as the default queue', () => {
    expect(spec(['-q', '@svr', 'job.sh']).queue).toBeUndefined();
  });

  it.each([
    [['-p', '1024'], 'illegal -p value'],
    [['-p', '-1025'], 'illegal -p value'],
    [['-p', 'high'], 'illegal -p value'],
    [['-r', 'yes'], 'illegal -r value'],
    [['-j', 'oe,n'], 'illegal -j value'],
    [['-j', 'y'], 'illegal -j value'],
    [['-k', 'x'], 'illegal -k value'],
    [['-k', 'oo'], 'illegal -k value'],
    [['-m', 'abz'], 'illegal -m value'],
    [['-c', 'u'], 'illegal -c value'],
    [['-c', 'c=x'], 'illegal -c value'],
    [['-a', '2500'], 'illegal -a value'],
    [['-a', 'tomorrow'], 'illegal -a value'],
    [['-P', 'a/b'], 'illegal -P value'],
    [['-R', 'x'], 'illegal -R value'],
    [['-W', 'nope=1'], 'illegal -W value'],
    [['-W', 'depend'], 'illegal -W value'],
    [['-W', 'depend=afterwards:1'], 'illegal -W value'],
    [['-W', 'depend=afterok:x'], 'illegal -W value'],
  ])('%j → %s', (options, message) => {
    expect(refusal([...options, 'job.sh'])).toEqual({ code: 'USAGE', message, usage: true });
  });

  it.each([
    [['-W', 'depend=afterok:12[3].svr'], SCRIPT],
    [['-W', 'depend=afterany:11:12[1-3]'], SCRIPT],
    [[], '#PBS -W depend=afterok:12[3]\necho hi\n'],
  ])('refuses a dependency on a subjob or range (%j %j) with the unprefixed line first', (options, script) => {
    expect(refusal([...options, 'job.sh'], script)).toEqual({
      code: 'USAGE',
      message: 'illegal -W value',
      usage: true,
      unprefixed: 'cannot have dependancy on subjob or range',
    });
  });

  it('takes a dependency on a whole array', () => {
    expect(spec(['-W', 'depend=afterok:12[].svr', 'job.sh']).depend).toBe('afterok:12[].svr');
  });

  it('refuses a badly formed destination', () => {
    expect(refusal(['-q', 'bad queue', 'job.sh'])).toEqual({
      code: 'USAGE',
      message: 'illegally formed destination: bad queue',
    });
  });

  it("refuses mail option 'j' without an array", () => {
    expect(refusal(['-m', 'abj', 'job.sh'])).toEqual({
      code: 'FAILED',
      message: "mail option 'j' can not be used without array job",
    });
  });

  it("makes -I (and -W interactive=true) an interactive job, not rerunnable, with qsub's TERM", () => {
    const term = { env: { ...ENV, TERM: 'xterm-256color' } };
    expect(spec(['-I'], '', term)).toMatchObject({
      interactive: { term: 'xterm-256color' },
      rerunable: false,
    });
    expect(spec(['-I', '-r', 'y', 'job.sh']).interactive).toEqual({});
    expect(spec(['-I', '-r', 'y', 'job.sh']).rerunable).toBe(false);
    expect(spec(['-W', 'interactive=TRUE', 'job.sh'], SCRIPT, term).interactive).toEqual({
      term: 'xterm-256color',
    });
    expect(spec(['job.sh'], '#PBS -I\necho hi\n').interactive).toEqual({});
    expect(spec(['-W', 'interactive=false', 'job.sh'])).not.toHaveProperty('interactive');
    expect(spec(['-I'], '', { env: { ...ENV, TERM: 'bad term' } }).interactive).toEqual({});
    expect(refusal(['-W', 'interactive=maybe', 'job.sh'])).toEqual({
      code: 'USAGE',
      message: 'illegal -W value',
      usage: true,
    });
  });

  it('refuses -I with an array or --cron, and -X (PBS: DISPLAY first, then -I)', () => {
    const interactiveArray = {
      code: 'USAGE',
      message: 'interactive and array job submission cannot be used together',
      usage: true,
    };
    expect(refusal(['-I', '-J', '1-2', 'job.sh'])).toEqual(interactiveArray);
    expect(refusal(['-J', '1-2', 'job.sh'], '#PBS -I\n')).toEqual(interactiveArray);
    expect(refusal(['-I', '--cron', '0 * * * *', 'job.sh'])?.code).toBe('USAGE');
    const display = { env: { ...ENV, DISPLAY: ':0' } };
    expect(refusal(['-I', '-X', 'job.sh'])).toEqual({
      code: 'USAGE',
      message: 'DISPLAY not set',
      usage: true,
    });
    expect(refusal(['-X', 'job.sh'], SCRIPT, display)).toEqual({
      code: 'FAILED',
      message: 'X11 Forwarding possible only for interactive jobs',
    });
    expect(refusal(['-I', '-X', 'job.sh'], SCRIPT, display)?.code).toBe('NOT_SUPPORTED');
  });

  it('makes an array of -J (PBS) or -t (Torque), with %N or -W max_run_subjobs', () => {
    expect(spec(['-J', '1-10:2%3', '-m', 'abj', 'job.sh']).array).toEqual({
      submitted: '1-10:2',
      style: 'pbs',
      maxRun: 3,
    });
    expect(spec(['-t', '1,5', 'job.sh'], SCRIPT, { torque: true }).array).toEqual({
      submitted: '1,5',
      style: 'torque',
    });
    expect(spec(['job.sh'], '#PBS -t 2-3\n', { torque: true }).array).toEqual({
      submitted: '2-3',
      style: 'torque',
    });
    expect(spec(['-W', 'max_run_subjobs=2', 'job.sh'], '#PBS -J 0-4\n').array).toEqual({
      submitted: '0-4',
      style: 'pbs',
      maxRun: 2,
    });
  });

  it.each([
    [['-J', '3'], { code: 'USAGE', message: 'illegal -J value' }],
    [
      ['-J', '1-4', '-r', 'n'],
      { code: 'USAGE', message: ' cannot submit non-rerunable Array Job', usage: true },
    ],
    [
      ['-r', 'n', '-J', '1-4'],
      { code: 'USAGE', message: ' cannot submit non-rerunable Array Job', usage: true },
    ],
    [
      ['-J', '1-4%2', '-W', 'max_run_subjobs=3'],
      { code: 'USAGE', message: 'multiple max_run_subjobs values found' },
    ],
    [
      ['-W', 'max_run_subjobs=3'],
      { code: 'FAILED', message: 'Attribute has to be set on an array job: max_run_subjobs' },
    ],
  ])('refuses %j as PBS does', (options, error) => {
    expect(refusal([...options, 'job.sh'])).toMatchObject(error);
  });

  it('refuses -r n with an array when a directive is part of it (exit 1, as a directive error)', () => {
    expect(refusal(['-J', '1-4', 'job.sh'], '#PBS -r n\n')).toEqual({
      code: 'FAILED',
      message: ' cannot submit non-rerunable Array Job',
    });
  });

  it("refuses Torque's -t outside Torque mode, on the command line and in a directive", () => {
    expect(refusal(['-t', '1,5', 'job.sh'])).toEqual({
      code: 'USAGE',
      message: "invalid option -- 't'",
      usage: true,
    });
    expect(refusal(['job.sh'], '#PBS -t 2-3\n')).toEqual({
      code: 'DIRECTIVE',
      message: "invalid option -- 't'\ndirective error: -t 2-3 ",
    });
  });

  it('converts -a to epoch seconds, rolled forward', () => {
    const tomorrow = Math.floor(new Date(2024, 5, 16, 11, 0, 0).getTime() / 1000);
    expect(spec(['-a', '1100', 'job.sh']).executionTime).toBe(tomorrow);
  });

  it('validates a -a directive against now', () => {
    const today = Math.floor(new Date(2024, 5, 15, 18, 30, 0).getTime() / 1000);
    expect(spec(['job.sh'], '#PBS -a 1830\n').executionTime).toBe(today);
  });
});

describe('buildJobSpec: directives', () => {
  it('lets the command line beat directives for every option', () => {
    const script = '#PBS -j oe\n#PBS -p 5\n#PBS -q dirq\n#PBS -o dir.out\n';
    expect(spec(['-j', 'eo', '-p', '7', '-q', 'cmdq', '-o', 'cmd.out', 'job.sh'], script)).toMatchObject({
      join: 'eo',
      priority: 7,
      queue: 'cmdq',
      outputPath: `${CWD}/cmd.out`,
    });
    expect(spec(['job.sh'], script)).toMatchObject({
      join: 'oe',
      priority: 5,
      queue: 'dirq',
      outputPath: `${CWD}/dir.out`,
    });
  });

  it('merges -W attributes per name', () => {
    const job = spec(['-W', 'umask=022', 'job.sh'], '#PBS -W depend=afterok:5\n');
    expect(job.depend).toBe('afterok:5');
  });

  it('refuses a bad directive with the directive code', () => {
    expect(refusal(['job.sh'], '#PBS -r maybe\n')).toEqual({
      code: 'DIRECTIVE',
      message: 'illegal -r value\ndirective error: -r maybe ',
    });
  });

  it('checks command-line options before directives', () => {
    expect(refusal(['-r', 'x', 'job.sh'], '#PBS -Z\n')?.message).toBe('illegal -r value');
  });

  it('refuses CRLF scripts', () => {
    expect(refusal(['job.sh'], '#!/bin/sh\r\necho\r\n')).toEqual({
      code: 'DIRECTIVE',
      message: 'script contains cr, lf',
    });
    expect(refusal(['-C', '', 'job.sh'], 'echo\r\n')?.message).toBe('script contains cr, lf');
  });

  it('uses the -C prefix, and none with -C ""', () => {
    const script = '#PBS -N pbs\n#DRV -N drv\n';
    expect(spec(['-C', '#DRV', 'job.sh'], script).name).toBe('drv');
    expect(spec(['-C', '', 'job.sh'], script).name).toBe('job.sh');
  });

  it('uses PBS_DPREFIX when -C is absent', () => {
    const script = '#PBS -N pbs\n#DRV -N drv\n';
    expect(spec(['job.sh'], script, { env: { ...ENV, PBS_DPREFIX: '#DRV' } }).name).toBe('drv');
  });

  it('reads directives of stdin scripts', () => {
    expect(spec([], '#PBS -N piped\necho\n').name).toBe('piped');
  });
});

describe('resolveStdPath', () => {
  it.each([
    [['job.sh'], 'o', `${CWD}/job.sh.o42`],
    [['job.sh'], 'e', `${CWD}/job.sh.e42`],
    [[], 'o', `${CWD}/STDIN.o42`],
    [['-o', 'logs/', '-e', '/var/err/', 'job.sh'], 'o', `${CWD}/logs/42.svr.OU`],
    [['-o', 'logs/', '-e', '/var/err/', 'job.sh'], 'e', '/var/err/42.svr.ER'],
    [['-o', 'my.out', 'job.sh'], 'o', `${CWD}/my.out`],
    [['-o', 'my.out', 'job.sh'], 'e', `${CWD}/job.sh.e42`],
  ] as const)('%j %s → %s', (argv, kind, path) => {
    expect(resolveStdPath(spec([...argv]), kind, '42.svr', 42)).toBe(path);
  });

  it('uses the last component of a name containing /', () => {
    const job = { ...spec(['job.sh']), name: 'a/b' };
    expect(resolveStdPath(job, 'o', '7.svr', 7)).toBe(`${CWD}/b.o7`);
  });
});
