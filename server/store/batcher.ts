/**
 * @module server/store/batcher
 * Coalesces calls that arrive together into one batch, as a database's group commit does: a crowd of hosts asking
 * for work at once is served by one transaction of a few statements instead of one each, and so holds its row
 * locks once, briefly. One batch runs at a time; calls that arrive meanwhile wait and form the next. Each caller
 * still gets its own answer, and its own error: should a batch fail, its calls are run again one by one, so one
 * bad call cannot fail the others.
 */

interface Waiting<In, Out> {
  input: In;
  resolve: (value: Out) => void;
  reject: (error: unknown) => void;
}

export class Batcher<In, Out> {
  private waiting: Waiting<In, Out>[] = [];
  private running = false;
  private readonly run: (inputs: In[]) => Promise<Out[]>;
  private readonly maxBatch: number;

  /** `run` answers a batch's inputs in order, all in one transaction. */
  constructor(run: (inputs: In[]) => Promise<Out[]>, { maxBatch = 256 } = {}) {
    this.run = run;
    this.maxBatch = maxBatch;
  }

  call(input: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.waiting.push({ input, resolve, reject });
      if (!this.running) {
        this.running = true;
        // After this turn of the event loop, so that every request read in it joins the batch.
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.waiting.length > 0) await this.runBatch(this.waiting.splice(0, this.maxBatch));
    } finally {
      this.running = false;
    }
  }

  private async runBatch(batch: Waiting<In, Out>[]): Promise<void> {
    try {
      const outputs = await this.run(batch.map((w) => w.input));
      for (const [i, w] of batch.entries()) w.resolve(outputs[i]!);
    } catch (error) {
      if (batch.length === 1) return batch[0]!.reject(error);
      for (const w of batch) await this.runBatch([w]);
    }
  }
}
