// qsub's interactive jobs (`-I`, `-W interactive=true`) and X11 forwarding (`-X`): which
// combinations PBS refuses, with its messages (as OpenPBS's qsub), and what the JobSpec
// carries. The terminal itself is cli/qsub-interactive.ts's.
import { ok, type Result, refuse } from '../errors.js';
import type { JobSpec } from '../job-spec-types.js';
import type { ParsedOption } from './getopt.js';
import { parseW } from './qsub-options.js';

/** What PBS's qsub prints (stderr, exit 1) for -I without a terminal on stdin and stdout. */
export const NOT_A_TERMINAL =
  'qsub:\tstandard input and output must be a terminal for\n\tinteractive job submission\n';

/** PBS's warning for `-r y` with -I: the job is not rerunnable all the same. */
export const RERUN_WARNING = 'qsub (Warning): Interactive jobs will be treated as not rerunnable\n';

/** `-W interactive=true|false` among `-W` values (the last one given wins). */
function wInteractive(options: ParsedOption[]): string | undefined {
  let value: string | undefined;
  for (const o of options) {
    if (o.letter !== 'W') continue;
    const w = parseW(o.value as string);
    if (w instanceof Map && w.has('interactive')) value = w.get('interactive');
  }
  return value;
}

/** -I or -W interactive=true among these options (of one source). */
export function asksInteractive(options: ParsedOption[]): boolean {
  return options.some((o) => o.letter === 'I') || wInteractive(options)?.toLowerCase() === 'true';
}

export interface InteractiveAsk {
  interactive: boolean;
  /** -X */
  x11: boolean;
  /** -J or -t */
  array: boolean;
  /** --cron */
  cron: boolean;
  /** $DISPLAY */
  display: string | undefined;
}

/**
 * PBS's refusals: -X without DISPLAY (usage, exit 2), -X without -I (exit 1), -I with an array
 * (usage, exit 2). Drover's own: -I with --cron, and -X, whose X11 connections it does not forward.
 */
export function checkInteractive(a: InteractiveAsk): Result<void> {
  if (a.x11 && !a.display) return refuse('USAGE', 'DISPLAY not set', true);
  if (a.interactive && a.array)
    return refuse('USAGE', 'interactive and array job submission cannot be used together', true);
  if (a.x11 && !a.interactive) return refuse('FAILED', 'X11 Forwarding possible only for interactive jobs');
  if (a.x11)
    return refuse(
      'NOT_SUPPORTED',
      'X11 forwarding (-X) is not supported: an interactive job gets its terminal, not X connections (run qsub -I without -X)',
    );
  if (a.interactive && a.cron)
    return refuse('USAGE', 'an interactive job cannot be recurring (--cron)', true);
  return ok(undefined);
}

/** The spec's `interactive`: qsub's TERM, when it is a plausible terminal name. */
export function interactiveSpec(term: string | undefined): NonNullable<JobSpec['interactive']> {
  return term !== undefined && /^[A-Za-z0-9._+-]{1,64}$/.test(term) ? { term } : {};
}
