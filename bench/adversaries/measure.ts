/**
 * @module bench/adversaries/measure
 * The figures of a run, read from the store's tables after the settling period: wrong results still valid (the
 * attackers' lies the coordinator accepted for good), units whose canonical result is a lie, units failed,
 * replicas sent per decided unit, and how long the honest newcomer waited for its first unit.
 */
import type { Run } from './simulate.ts';
import type { World } from './world.ts';

export interface Figures {
  units: number;
  decided: number;
  failed: number;
  wrongAccepted: number;
  /** The wrong results still valid, counted by what lie each was. */
  acceptedLies: Record<string, number>;
  wrongCanonical: number;
  replicasSent: number;
  newcomerFirstUnitS: number | null;
}

export async function measure(world: World, run: Run): Promise<Figures> {
  const units = (await world.inspect.units()).filter((u) => u.id >= run.firstMeasuredUnit);
  const ids = new Set(units.map((u) => u.id));
  const replicas = (await world.inspect.replicas()).filter((r) => ids.has(r.workUnitId));
  const { lies } = run.ledger;
  // The ledger knows the attackers' results by token, as they did; the canonical result is named by its id.
  const tokenOf = new Map(replicas.map((r) => [r.id, r.token ?? '']));
  const lied = (id: number | null) => id !== null && lies.has(tokenOf.get(id) ?? '');
  const canonical = new Set(units.flatMap((u) => (u.canonicalReplicaId === null ? [] : [u.canonicalReplicaId])));
  const { newcomer } = run;
  const accepted = replicas.filter((r) => lied(r.id) && r.validateState === 'valid');
  const acceptedLies: Record<string, number> = {};
  const canonicalOf = new Map(units.map((u) => [u.id, u.canonicalReplicaId]));
  for (const r of accepted) {
    // Whether the lie passed with an honest result (the comparator's fault) or with another lie (collusion).
    const partner = lied(canonicalOf.get(r.workUnitId) ?? null) ? 'with a lie' : 'with an honest result';
    const kind = `${lies.get(r.token ?? '')} ${partner}`;
    acceptedLies[kind] = (acceptedLies[kind] ?? 0) + 1;
  }
  return {
    units: units.length,
    decided: units.filter((u) => u.state !== 'active').length,
    failed: units.filter((u) => u.state === 'failed').length,
    wrongAccepted: accepted.length,
    acceptedLies,
    wrongCanonical: [...canonical].filter(lied).length,
    // Sent: every replica that went to a host (an unneeded one never left the server).
    replicasSent: replicas.filter((r) => r.serverState !== 'unsent' && r.outcome !== 'didnt_need').length,
    newcomerFirstUnitS:
      newcomer.firstUnitAt === undefined ? null : (newcomer.firstUnitAt - newcomer.registeredAt) / 1000,
  };
}
