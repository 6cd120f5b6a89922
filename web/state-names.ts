// What the state letters and words mean, for badges that carry a word and a letter as well as a
// colour. Pure.

export const JOB_STATES: Record<string, string> = {
  Q: 'queued',
  H: 'held',
  W: 'waiting',
  T: 'in transit',
  R: 'running',
  E: 'exiting',
  B: 'array begun',
  S: 'suspended',
  U: 'suspended (user busy)',
  M: 'moved',
  X: 'expired',
  F: 'finished',
};

/** The frame marks of `render-farm status` (cli/format/farm-status-output.ts). */
export const FRAME_MARKS: Record<string, string> = { queued: '.', running: '>', done: '#', failed: 'X' };

/** A node's state words (`offline,job-busy`) → the word that decides its colour. */
export function nodeTone(state: string): string {
  const words = state.split(',');
  for (const w of ['down', 'state-unknown', 'offline', 'job-busy', 'free'])
    if (words.includes(w)) return w === 'state-unknown' ? 'down' : w;
  return 'other';
}

/** `Q` → `Q queued`; an unknown letter stays itself. */
export function jobStateLabel(letter: string): string {
  const word = JOB_STATES[letter];
  return word ? `${letter} ${word}` : letter;
}
