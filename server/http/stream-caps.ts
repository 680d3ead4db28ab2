/**
 * @module server/http/stream-caps
 * Caps on the live progress streams (server-sent events) a researcher holds open: each costs a progress query
 * every interval for as long as it lasts, so a hundred on one key took a quarter of the coordinator's CPU. Counted
 * per API key and per project, since a project's researchers can make more keys at will.
 */
import { ApiError } from './errors.ts';

export const STREAMS_PER_KEY = 4;
export const STREAMS_PER_PROJECT = 16;

export class TooManyStreamsError extends ApiError {
  override name = 'TooManyStreamsError' as const;
  constructor(scope: 'key' | 'project', limit: number) {
    super(
      429,
      `too many live progress streams: this ${scope === 'key' ? 'API key' : 'project'} has ${limit} open, the most ` +
        'it may; close one (or poll GET /api/research/batches/:id) and retry',
      { headers: { 'retry-after': '5' }, details: { scope, limit } },
    );
  }
}

/** Open streams by key and by project, in this process. */
export class StreamCaps {
  private readonly byKey = new Map<number, number>();
  private readonly byProject = new Map<number, number>();
  private readonly limits: { perKey: number; perProject: number };
  constructor(limits = { perKey: STREAMS_PER_KEY, perProject: STREAMS_PER_PROJECT }) {
    this.limits = limits;
  }

  /**
   * Takes a place for one stream, or throws TooManyStreamsError; the returned function gives it back (once).
   * @example const release = caps.open(keyId, projectId); try { ... } finally { release(); }
   */
  open(keyId: number, projectId: number): () => void {
    const keys = this.byKey.get(keyId) ?? 0,
      projects = this.byProject.get(projectId) ?? 0;
    if (keys >= this.limits.perKey) throw new TooManyStreamsError('key', this.limits.perKey);
    if (projects >= this.limits.perProject) throw new TooManyStreamsError('project', this.limits.perProject);
    this.byKey.set(keyId, keys + 1);
    this.byProject.set(projectId, projects + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      decrement(this.byKey, keyId);
      decrement(this.byProject, projectId);
    };
  }
}

function decrement(counts: Map<number, number>, id: number) {
  const left = (counts.get(id) ?? 1) - 1;
  if (left > 0) counts.set(id, left);
  else counts.delete(id);
}
