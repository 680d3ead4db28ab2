/**
 * @module web/volunteer/attester/attester
 * The page's epoch attester. The page holds a key of its own (kept in this browser) and links its address to the
 * volunteer, so the volunteer's credit leaf is that address and the ledger's draw can pick it. While the volunteer's
 * policies let the page compute, it asks the coordinator whether this address is drawn for the newest proposed epoch;
 * when it is, a worker checks the epoch file, re-executes the sampled canonical results and signs an attestation (or
 * a dissent, naming what was wrong), which the coordinator relays to the ledger. Each step is said in plain words.
 */
import { wrap } from 'comlink';
import type { Hex } from 'viem';
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts';
import { AttestationAccepted, AttestationDuty, AttesterKeyFile, EpochSample } from '../../../protocol/chain.ts';
import { CoordinatorError, fetchCoordinator } from '../../../protocol/coordinator-error.ts';
import { linkMessage } from '../../../protocol/volunteer.ts';
import { useProtocolErrors } from '../../../worker-kernels/comlink-errors.ts';
import type { CoordinatorClient } from '../../lib/coordinator-client.ts';
import type { AttestApi, ReviewOptions } from './attest-worker.ts';

const KEY = 'terraflop.attesterKey';
const DONE = 'terraflop.attestedEpoch';
/** Set when the key was imported from another page: it signs even where this page's volunteer links another address. */
const IMPORTED = 'terraflop.attesterImported';
/** Keys an import replaced: an address this page linked may hold credit, so its key is never thrown away. */
const REPLACED = 'terraflop.attesterKeysReplaced';

export interface AttesterPolicy extends ReviewOptions {
  /** Whether the volunteer's policies let the page compute now. */
  allowed: boolean;
}

export type AttesterPhase = 'waiting' | 'paused' | 'aside' | 'checking' | 'agreed' | 'dissented' | 'failed';

export class Attester {
  phase = $state<AttesterPhase>('waiting');
  /** What the attester is doing or did, in plain words. */
  message = $state('');
  /** What the last dissent found wrong. */
  problems = $state.raw<string[]>([]);
  address = $state('');
  /** The key came from another page and its address is another volunteer's: this page signs, its credit is apart. */
  borrowed = $state(false);
  private busy = false;
  private key: Hex = '0x';
  private readonly client: CoordinatorClient;
  private readonly base: string;
  private readonly policy: () => AttesterPolicy;

  constructor(client: CoordinatorClient, policy: () => AttesterPolicy, base: string = location.origin) {
    this.client = client;
    this.policy = policy;
    this.base = base;
  }

  /** One look: does nothing while a review runs, or while the policies pause computing. */
  async tick(): Promise<void> {
    if (this.busy) return;
    const policy = this.policy();
    if (!policy.allowed) {
      this.say('paused', 'Epoch checks wait, like computing, until your settings allow this device to work.');
      return;
    }
    this.busy = true;
    try {
      const account = this.account();
      if (await this.linked(account)) await this.attend(account, policy);
    } catch (error) {
      // A look that failed after a vouch or a dispute (a 429 on the duty's request, say) leaves that on screen, as
      // idle() does: in a CI run a page that had vouched showed a passing "too many requests", then "No epoch is
      // waiting". A check that fails once begun shows: its phase is 'checking' by then.
      if (this.phase === 'agreed' || this.phase === 'dissented') return;
      this.say('failed', `The epoch check could not finish and will be tried again: ${(error as Error).message}`);
    } finally {
      this.busy = false;
    }
  }

  /** The key as a file to keep or move to another page (see AttesterKeyFile); creates the key if none yet. */
  exportKey(): string {
    const account = this.account();
    const file: AttesterKeyFile = {
      kind: 'terraflop attester key',
      address: account.address,
      privateKey: this.key,
      warning: 'Whoever holds this key can sign epoch attestations for this address. Keep it private.',
    };
    return `${JSON.stringify(file, null, 2)}\n`;
  }

  /**
   * Makes this page sign with a key exported from another page (a key file, or the bare 0x key): what is wrong in
   * plain words, or undefined once this page signs as the key's address.
   */
  importKey(text: string): string | undefined {
    const trimmed = text.trim();
    let key: string;
    if (/^0x[0-9a-fA-F]{64}$/.test(trimmed)) key = trimmed;
    else {
      let json: unknown;
      try {
        json = JSON.parse(trimmed);
      } catch {
        return 'This is not an attester key file: export one from the page that checks epochs for you.';
      }
      const file = AttesterKeyFile.safeParse(json);
      if (!file.success) return 'This file is not an attester key: it needs its address and private key.';
      key = file.data.privateKey;
      if (privateKeyToAccount(key.toLowerCase() as Hex).address.toLowerCase() !== file.data.address.toLowerCase())
        return "The file's address is not its key's: it was changed, and this page keeps its own key.";
    }
    const before = localStorage.getItem(KEY);
    if (before && before !== key.toLowerCase()) {
      const kept = JSON.parse(localStorage.getItem(REPLACED) ?? '[]') as string[];
      localStorage.setItem(REPLACED, JSON.stringify([...new Set([...kept, before])]));
    }
    localStorage.setItem(KEY, key.toLowerCase());
    localStorage.setItem(IMPORTED, '1');
    localStorage.removeItem(DONE);
    this.borrowed = false;
    this.account();
    this.say('waiting', `This page now checks epochs as ${this.address}.`);
    return undefined;
  }

  private account(): PrivateKeyAccount {
    let key = localStorage.getItem(KEY);
    if (!key || !/^0x[0-9a-f]{64}$/.test(key)) {
      key = generatePrivateKey();
      localStorage.setItem(KEY, key);
    }
    this.key = key as Hex;
    const account = privateKeyToAccount(this.key);
    this.address = account.address;
    return account;
  }

  /** Links this page's address when the volunteer has none; false when another address is theirs. */
  private async linked(account: PrivateKeyAccount): Promise<boolean> {
    const volunteer = await this.client.volunteer();
    if (volunteer.address?.toLowerCase() === account.address.toLowerCase()) return true;
    if (this.borrowed && !volunteer.address) return true;
    if (volunteer.address && localStorage.getItem(IMPORTED)) {
      // This page's volunteer keeps its own address (its credit goes there); the imported key signs for another.
      this.borrowed = true;
      return true;
    }
    if (volunteer.address) {
      this.say(
        'aside',
        `Your credit goes to ${volunteer.address}, whose key this page does not hold, so it does not` +
          ' check epochs for you.',
      );
      return false;
    }
    const signature = await account.signMessage({ message: linkMessage(volunteer.volunteerId, account.address) });
    try {
      await this.client.linkAddress({ address: account.address, signature });
    } catch (error) {
      // An imported key whose address is the volunteer's on the page it came from: this page signs for it still.
      if (!(error instanceof CoordinatorError && error.name === 'AddressTakenError')) throw error;
      this.borrowed = true;
    }
    return true;
  }

  private async attend(account: PrivateKeyAccount, policy: ReviewOptions): Promise<void> {
    const get = async (path: string) => (await fetchCoordinator(new URL(path, this.base))).json();
    const duty = AttestationDuty.parse(await get(`/api/chain/attestation/${account.address}`));
    if (duty.epoch === 0 || !duty.fileUrl) {
      this.idle('No epoch is waiting for its checks.');
      return;
    }
    if (localStorage.getItem(DONE) === String(duty.epoch)) return;
    if (duty.slots.length === 0) {
      this.idle(`Epoch ${duty.epoch} did not draw this device to check it.`);
      return;
    }
    this.say('checking', `Drawn to check epoch ${duty.epoch}: recomputing a sample of its results…`);
    const text = (url: string) => fetchCoordinator(new URL(url, this.base)).then((r) => r.text());
    // The previous epoch's file too: the weights are recomputed from it.
    const [file, previous, sample] = await Promise.all([
      text(duty.fileUrl),
      duty.previousFileUrl ? text(duty.previousFileUrl) : undefined,
      get(`/api/epochs/${duty.epoch}/sample`).then((s) => EpochSample.parse(s)),
    ]);
    const review = await reviewInWorker(this.key, duty, { file, previous }, sample, policy);
    const res = await fetchCoordinator(new URL('/api/chain/attestations', this.base), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ epoch: duty.epoch, agree: review.agree, signature: review.signature }),
    });
    AttestationAccepted.parse(await res.json());
    localStorage.setItem(DONE, String(duty.epoch));
    this.problems = review.problems;
    if (review.agree)
      this.say(
        'agreed',
        `You vouched for epoch ${duty.epoch}: its credit file holds and the ${review.matched} ` +
          'results recomputed here match.',
      );
    else this.say('dissented', `You disputed epoch ${duty.epoch}: ${review.problems.join('; ')}. It is frozen.`);
  }

  /** Nothing to do now: what the volunteer last did stays on screen (what they want to know) until the next check. */
  private idle(message: string): void {
    if (this.phase !== 'agreed' && this.phase !== 'dissented') this.say('waiting', message);
  }

  private say(phase: AttesterPhase, message: string): void {
    this.phase = phase;
    this.message = message;
  }
}

/** Runs one review in a worker of its own, ended afterwards (a review is rare; its memory is not kept). */
async function reviewInWorker(...args: Parameters<AttestApi['review']>) {
  useProtocolErrors();
  const worker = new Worker(new URL('./attest-worker.ts', import.meta.url), {
    type: 'module',
    name: 'terraflop-attest',
  });
  try {
    return await wrap<AttestApi>(worker).review(...args);
  } finally {
    worker.terminate();
  }
}
