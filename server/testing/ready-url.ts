/**
 * @module server/testing/ready-url
 * Waits for a coordinator started as a child process (`node server/main.ts`) to print its "open <url> to
 * contribute" line, and gives the URL; the process's output so far goes into the error when it dies or is late.
 */
import type { ChildProcess } from 'node:child_process';

const READY = /open (http:\/\/\S+?\/) to contribute/;

// A start-up bound, not a measure: on a machine shared by busy processes a coordinator with an embedded chain has been
// seen to need over 30 s to start.
export function readyUrl(child: ChildProcess, timeoutMs = 90_000): Promise<string> {
  let output = '';
  return new Promise<string>((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      child.stdout?.off('data', read);
      child.stderr?.off('data', read);
      child.off('exit', exited);
      // Still drained, so a coordinator that logs never blocks on a full pipe; nobody keeps what it writes after this.
      // (Keeping it and matching READY against all of it on every chunk cost the benches' own process a copy of the
      // whole log per chunk: at thousands of lines a second, more CPU than the coordinator it measured.)
      child.stdout?.resume();
      child.stderr?.resume();
    };
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const found = READY.exec(output);
      if (found) {
        done();
        resolve(found[1]!);
      }
    };
    const exited = (code: number | null) => {
      done();
      reject(new Error(`coordinator exited with ${code}:\n${output}`));
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`coordinator did not start within ${timeoutMs / 1000} s:\n${output}`));
    }, timeoutMs);
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('exit', exited);
  });
}
