/**
 * @module bench/machine
 * What a benchmark's figures were measured on: the CPU's model and core count and the load average, printed with the
 * figures and kept in their JSON, since on a shared machine the same code gives different figures at another load.
 */
import { availableParallelism, cpus, loadavg } from 'node:os';

export interface Machine {
  /** The CPU's model as the kernel names it (e.g. "Intel(R) Xeon(R) Processor", "AMD EPYC 7B13"). */
  cpu: string;
  cores: number;
  /** Load average over 1, 5 and 15 minutes. */
  load: [number, number, number];
}

const round = (x: number) => Math.round(x * 100) / 100;

/** The machine now. */
export function machine(): Machine {
  const [one = 0, five = 0, fifteen = 0] = loadavg();
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    load: [one, five, fifteen].map(round) as Machine['load'],
  };
}

/** One line for a benchmark's output, e.g. "Intel(R) Xeon(R) Processor, 2 cores, load average 9.1 9.9 10.7". */
export const describeMachine = (m: Machine) => `${m.cpu}, ${m.cores} cores, load average ${m.load.join(' ')}`;
