/**
 * @module scripts/chaos/netem
 * Whether this machine can impair the network with the kernel's netem: needs root, `ip` and `tc`, network
 * namespaces and the netem qdisc. Probed by building a namespace and a veth pair on loopback addresses and adding
 * the qdisc, then removing it all; the answer names what was missing, for the campaign to say so.
 */
import { spawnSync } from 'node:child_process';

const run = (...args: string[]) => spawnSync(args[0]!, args.slice(1), { encoding: 'utf8' });

export function probeNetem(): { available: true } | { available: false; why: string } {
  if (process.getuid?.() !== 0) return { available: false, why: 'not root' };
  for (const tool of ['ip', 'tc'])
    if (run('sh', '-c', `command -v ${tool}`).status !== 0) return { available: false, why: `no ${tool}` };
  const ns = `chaos-probe-${process.pid}`;
  const steps = [
    ['ip', 'netns', 'add', ns],
    ['ip', 'link', 'add', `cp${process.pid}a`, 'type', 'veth', 'peer', 'name', `cp${process.pid}b`],
    ['ip', 'link', 'set', `cp${process.pid}b`, 'netns', ns],
    ['ip', 'netns', 'exec', ns, 'tc', 'qdisc', 'add', 'dev', `cp${process.pid}b`, 'root', 'netem', 'delay', '10ms'],
  ];
  let why = '';
  for (const step of steps) {
    const r = run(...step);
    if (r.status !== 0) {
      why = `${step.slice(0, 4).join(' ')}…: ${(r.stderr || r.stdout).trim()}`;
      break;
    }
  }
  run('ip', 'link', 'del', `cp${process.pid}a`);
  run('ip', 'netns', 'del', ns);
  return why ? { available: false, why } : { available: true };
}
