/**
 * @module web/volunteer/status-board
 * The volunteer page's two lines of news, which every part of the contributor writes to: what is happening now
 * (the status line) and the last thing that went wrong (the alert, and the error itself).
 */
export class StatusBoard {
  message = $state('Press “Start contributing” to lend this device’s spare compute to science.');
  error = $state<string | null>(null);
  /** The last error as a value, its name, details and causes kept: the widget passes it on to its partner page. */
  fault = $state.raw<unknown>(null);

  /** Shows `error` as the alert (`text`, by default its name and message) and keeps it as the fault. */
  report(error: unknown, text = describe(error)): void {
    this.error = text;
    this.fault = error;
  }
}

/** An error as the page shows it: its name (which says whose fault it is) and its message. */
export function describe(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}
