/**
 * @module web/volunteer/status-board
 * The volunteer page's two lines of news, which every part of the contributor writes to: what is happening now
 * (the status line) and the last problem, said in plain words with its technical detail kept aside. A problem
 * clears itself when what it was about works again (the next unit computed, the next upload answered).
 */

/** Which part of the contributor a problem is about, so that part's next success clears it. */
export type ProblemSource = 'unit' | 'upload' | 'account' | 'storage';

export interface Problem {
  source: ProblemSource;
  /** What happened and what the volunteer need (or need not) do, in plain words. */
  text: string;
  /** The error's name and message, for a bug report. */
  detail: string | null;
  /** The error itself, its name, details and causes kept: the widget passes it on to its partner page. */
  cause: unknown;
}

export class StatusBoard {
  message = $state('Press “Start contributing” to lend this device’s spare compute to science.');
  problem = $state.raw<Problem | null>(null);

  report(source: ProblemSource, text: string, cause?: unknown): void {
    this.problem = { source, text, detail: cause === undefined ? null : describe(cause), cause: cause ?? null };
  }

  /** What `source` was about works again: its problem, if it is the one shown, goes. */
  clear(source: ProblemSource): void {
    if (this.problem?.source === source) this.problem = null;
  }

  /** The problem's text, or null. */
  get error(): string | null {
    return this.problem?.text ?? null;
  }

  /** The error behind the problem shown, or null: what the widget's error channel sends (protocol/widget.ts). */
  get fault(): unknown {
    return this.problem?.cause ?? null;
  }
}

/** An error as a bug report shows it: its name (which says whose fault it is) and its message. */
export function describe(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

const WHAT_FAILED: Record<string, string> = {
  WorkerCrashError: 'the worker computing it stopped unexpectedly',
  WorkerHangError: 'it made no progress for a minute',
  GpuError: 'the graphics processor reported a problem',
  ShaderCompileError: 'the graphics processor could not compile its code',
  ShaderUnavailableError: 'its graphics-processor code could not be had',
  WasmLoadError: 'its code could not be loaded',
  KernelError: 'the computation reported an error',
};

/** Why a run failed, in words: "the worker computing it stopped unexpectedly". */
export function whatFailed(e: unknown): string {
  const name = e instanceof Error ? e.name : '';
  // A researcher's app's errors are written for people (worker-kernels/custom/errors.ts): say them.
  if (name === 'CustomAppError') return `the researcher’s app failed (${(e as Error).message})`;
  return WHAT_FAILED[name] ?? 'an unexpected error';
}
