// Thumbnails of finished frames at the head: what an agent sends about a frame of the task it
// runs is checked (size, PNG or JPEG header, width) and kept in the farm's table with the
// attempt that made it; it is shown while the frame is done (head/farm/farm-commands.ts) and
// forgotten when the frame's task is rendered again (head/db/farms-table.ts redoTask).
import { imageInfo, thumbnailProblem } from '../../core/farm/thumbnail.js';
import { type AgentMessage, MAX_THUMBNAIL_BYTES } from '../../core/protocol/agent-protocol.js';
import type { StoredJob } from '../db/jobs-table.js';
import type { Store } from '../db/store.js';
import { taskOf } from './farm-tasks.js';

type ThumbnailMessage = Extract<AgentMessage, { t: 'thumbnail' }>;

/** Base64 of MAX_THUMBNAIL_BYTES: anything longer is refused before it is decoded. */
const MAX_BASE64 = Math.ceil(MAX_THUMBNAIL_BYTES / 3) * 4;

/**
 * Keep the thumbnail an agent made of a frame of `job` (a farm task's current attempt); returns
 * why it was refused, if it was.
 */
export function keepThumbnail(store: Store, job: StoredJob, m: ThumbnailMessage): string | undefined {
  const where = taskOf(job);
  if (!where || where.task === 'post') return 'not a render task';
  if (!Number.isInteger(m.frame) || typeof m.data !== 'string') return 'malformed';
  if (!store.farms.taskFrames(where.farm, where.task).some((f) => f.frame === m.frame))
    return `frame ${m.frame} is not rendered by ${job.id}`;
  if (m.data.length > MAX_BASE64) return `more than ${MAX_THUMBNAIL_BYTES} bytes`;
  const bytes = Buffer.from(m.data, 'base64');
  const problem = thumbnailProblem(bytes, MAX_THUMBNAIL_BYTES);
  if (problem) return problem;
  store.farms.putThumbnail(where.farm, m.frame, m.attempt, imageInfo(bytes)!.type, bytes);
  return undefined;
}
