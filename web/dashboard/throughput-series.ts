/**
 * @module web/dashboard/throughput-series
 * The throughput chart's series: the coordinator sends only buckets in which units were validated, so a quiet
 * stretch would be drawn as a line joining its neighbours, as if units kept coming, and a stall since the last one
 * would not show at all. Every bucket from the first to the current one gets a point, 0 where none was validated.
 */

/** Past this many buckets the series is drawn as sent (the coordinator widens its buckets long before). */
const MAX_FILLED = 5_000;

/**
 * @param nowMs the time the chart is drawn: buckets run up to the one holding it.
 * @example denseSeries([[0, 2], [3000, 1]], 1000, 3500) // [[0, 2], [1000, 0], [2000, 0], [3000, 1]]
 */
export function denseSeries(
  points: ReadonlyArray<[number, number]>,
  bucketMs: number,
  nowMs: number,
): Array<[number, number]> {
  if (points.length === 0 || !(bucketMs > 0)) return points.map(([t, n]) => [t, n]);
  const first = points[0]![0];
  const last = Math.max(points[points.length - 1]![0], Math.floor(nowMs / bucketMs) * bucketMs);
  if ((last - first) / bucketMs > MAX_FILLED) return points.map(([t, n]) => [t, n]);
  const counts = new Map(points.map(([t, n]) => [t, n]));
  const dense: Array<[number, number]> = [];
  for (let t = first; t <= last; t += bucketMs) dense.push([t, counts.get(t) ?? 0]);
  return dense;
}
