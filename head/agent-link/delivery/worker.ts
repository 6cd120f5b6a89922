// The delivery helper: a process running as one job user (started through the drover-exec
// launcher by head/agent-link/delivery/workers.ts). It reads one request a line on stdin, `{"id", "path",
// "umask", "data"}` (data in base64), writes the file as that user, and answers `{"id", "error"?}`
// on stdout. It exits when its stdin closes.
import { createInterface } from 'node:readline';
import { deliverFile } from './deliver-file.js';

interface Request {
  id: number;
  path: string;
  umask: number;
  data: string;
}

const lines = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
lines.on('line', (line) => {
  let req: Request;
  try {
    req = JSON.parse(line) as Request;
  } catch {
    return;
  }
  let error: string | undefined;
  try {
    deliverFile(req.path, Buffer.from(req.data, 'base64'), req.umask);
  } catch (e) {
    error = (e as Error).message;
  }
  process.stdout.write(`${JSON.stringify({ id: req.id, ...(error ? { error } : {}) })}\n`);
});
