/**
 * @module server/testing/ready-url
 * Waits for a coordinator started as a child process (`node server/main.ts`) to print its "open <url> to
 * contribute" line, and gives the URL; the process's output so far goes into the error when it dies or is late.
 */
import type { ChildProcess } from 'node:child_process';

// A start-up bound, not a measure: on a machine shared by busy processes a coordinator with an embedded chain has been
// seen to need over 30 s to start.
export function readyUrl(child: ChildProcess, timeoutMs = 90_000): Promise<string> {
  let output = '';
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`coordinator did not start within ${timeoutMs / 1000} s:\n${output}`)),
      timeoutMs,
    );
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const found = /open (http:\/\/\S+?\/) to contribute/.exec(output);
      if (found) {
        clearTimeout(timer);
        resolve(found[1]!);
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`coordinator exited with ${code}:\n${output}`));
    });
  });
}
