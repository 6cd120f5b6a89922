// The scripts of a render farm, generated from the farm's spec: the task script, one
// `case` branch per chunk (the array index) running the command with its placeholders filled
// in, every word single-quoted; and the post job's script, which checks that every frame's
// output file exists before it runs the `--then` command.

import type { FarmSpec } from '../job-spec-types.js';
import { shellQuote } from '../shell-words.js';
import { chunkFrames, expandCommand, perFrame } from './frames.js';
import { FRAME_MARKER, MISSING_MARKER } from './progress.js';

/** The post job's exit status when its check found frames missing (they are rendered again). */
export const MISSING_FRAMES_STATUS = 97;

const line = (argv: string[]) => argv.map(shellQuote).join(' ');

export function farmChunks(farm: Pick<FarmSpec, 'frames' | 'chunk'>): number[][] {
  return chunkFrames(farm.frames, farm.chunk);
}

/** The task script: in the submit directory, the chunk of $PBS_ARRAY_INDEX. */
export function taskScript(farm: FarmSpec): string {
  const each = perFrame(farm.command);
  const branches = farmChunks(farm).map((chunk, i) => {
    const body = each
      ? chunk
          .map(
            (f) =>
              `  echo ${shellQuote(`${FRAME_MARKER}${f}`)} && ${line(expandCommand(farm.command, chunk, f))} || exit`,
          )
          .join('\n')
      : `  ${line(expandCommand(farm.command, chunk))}`;
    return `${i + 1})\n${body}\n  ;;`;
  });
  return [
    'cd "$PBS_O_WORKDIR" || exit 1',
    'case "$PBS_ARRAY_INDEX" in',
    ...branches,
    '*) echo "render-farm: no chunk $PBS_ARRAY_INDEX" >&2; exit 2 ;;',
    'esac',
    '',
  ].join('\n');
}

/** The post job's script: each known output file checked, then the `--then` command. */
export function postScript(then: string, outputs: { frame: number; output?: string }[]): string {
  const checks = outputs.flatMap(({ frame, output }) =>
    output === undefined
      ? []
      : [`[ -e ${shellQuote(output)} ] || { echo ${shellQuote(`${MISSING_MARKER}${frame}`)}; missing=1; }`],
  );
  return [
    'cd "$PBS_O_WORKDIR" || exit 1',
    'missing=0',
    ...checks,
    `[ "$missing" = 0 ] || exit ${MISSING_FRAMES_STATUS}`,
    then,
    '',
  ].join('\n');
}
