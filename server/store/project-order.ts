/**
 * @module server/store/project-order
 * Which project's work a host gets, when several projects share a coordinator. Priority first: a project of higher
 * priority is served before any of lower priority while it has work. Among projects of equal priority, resource
 * share decides by lottery (Waldspurger's lottery scheduling): each request draws an order weighted by share, so
 * over many requests a project with twice the share gets twice the requests. Each request fills a buffer of seconds,
 * so a share of requests is a share of the crowd's compute time, as BOINC's resource share means. The draw keeps no
 * state, so any number of coordinator processes share one policy without talking to each other.
 */

export interface ProjectShare {
  id: number;
  priority: number;
  /** Relative weight among projects of equal priority; non-negative, 0 only takes what no one else wants. */
  share: number;
}

/** The order in which to try projects for one request: by priority, then a draw weighted by share. */
export function projectOrder(projects: readonly ProjectShare[], random: () => number): number[] {
  const byPriority = new Map<number, ProjectShare[]>();
  for (const p of projects) byPriority.set(p.priority, [...(byPriority.get(p.priority) ?? []), p]);
  return [...byPriority.keys()].sort((a, b) => b - a).flatMap((priority) => draw(byPriority.get(priority)!, random));
}

/** A weighted permutation: sampling without replacement, each pick in proportion to the shares left. */
function draw(projects: readonly ProjectShare[], random: () => number): number[] {
  const left = [...projects];
  const order: number[] = [];
  while (left.length > 0) {
    const total = left.reduce((sum, p) => sum + p.share, 0);
    let ticket = random() * total;
    let i = 0;
    // Zero-share projects (or all shares zero) come last, in id order.
    if (total > 0)
      while (i < left.length - 1 && (ticket >= left[i]!.share || left[i]!.share === 0)) ticket -= left[i++]!.share;
    order.push(left.splice(i, 1)[0]!.id);
  }
  return order;
}
