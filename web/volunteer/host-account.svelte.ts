/**
 * @module web/volunteer/host-account
 * This browser profile's host at the coordinator: registered once (and afresh when the coordinator has lost it),
 * its standing there (credit by stage, results validated, pending, rejected), today's credit, and the volunteer's
 * public name, which they may change.
 */
import type { HostStatus } from '../../protocol/host.ts';
import { CoordinatorError } from '../../protocol/coordinator-error.ts';
import type { CoordinatorClient } from '../lib/coordinator-client.ts';
import { forgetHost, type HostRegistration, loadOrRegisterHost } from '../lib/host-identity.ts';
import { CreditToday } from './credit-today.ts';
import type { StatusBoard } from './status-board.svelte.ts';

export class HostAccount {
  status = $state<HostStatus | null>(null);
  creditToday = $state<number | null>(null);
  private readonly client: CoordinatorClient;
  private readonly registration: HostRegistration | undefined;
  private readonly board: StatusBoard;
  /** Called when the coordinator answered: results waiting for the network may upload now. */
  private readonly reachable: () => void;
  private readonly creditDay = new CreditToday();

  constructor(
    client: CoordinatorClient,
    registration: HostRegistration | undefined,
    board: StatusBoard,
    reachable: () => void,
  ) {
    this.client = client;
    this.registration = registration;
    this.board = board;
    this.reachable = reachable;
  }

  /** Loads the stored host or registers one; the client signs as that host from then on. */
  async identify(): Promise<void> {
    await loadOrRegisterHost(this.client, this.registration);
  }

  async refresh(): Promise<void> {
    try {
      this.status = await this.client.status();
      this.board.clear('account');
      this.reachable();
      this.creditToday = await this.creditDay.update(this.status.credit.total, new Date());
    } catch (e) {
      switch (e instanceof CoordinatorError ? e.name : undefined) {
        case 'UnauthorizedError':
          // The coordinator lost or never had this host (a new data folder): register afresh.
          await forgetHost();
          await this.identify();
          return;
        case 'NetworkError':
        case 'RateLimitedError':
          return; // offline, or asked to slow down: the next refresh tries again; nothing for the volunteer to do
        default:
          this.board.report('account', 'Your credit could not be read from the coordinator; trying again.', e);
      }
    }
  }

  /** Sets the volunteer's public name (shown on the leaderboard); the coordinator's refusal is thrown as it says it. */
  async rename(name: string): Promise<void> {
    await this.client.rename(name);
    await this.refresh();
  }
}
