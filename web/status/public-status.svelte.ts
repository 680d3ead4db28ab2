/**
 * @module web/status/public-status.svelte
 * The public status page's state: every project's status (the demo's too), who runs each project, the leaderboards
 * with this browser's volunteer's own line ("you"), the newest epochs on chain and their standing, fetched without
 * login and refreshed every few seconds.
 */
import { CoordinatorAbout } from '../../protocol/about.ts';
import { type EpochEntry, EpochList } from '../../protocol/chain.ts';
import { fetchCoordinator } from '../../protocol/coordinator-error.ts';
import { Leaderboard, PublicStatus } from '../../protocol/research.ts';
import { ownVolunteerId } from '../lib/storage/own-volunteer.ts';

const EPOCHS_SHOWN = 6;

export class PublicStatusPage {
  status = $state.raw<PublicStatus | null>(null);
  leaderboard = $state.raw<Leaderboard | null>(null);
  about = $state.raw<CoordinatorAbout | null>(null);
  /** The newest epochs on chain, newest first; null when the coordinator posts to no chain. */
  epochs = $state.raw<EpochEntry[] | null>(null);
  /** This browser's volunteer, when it contributes: marked "you" on the leaderboard. */
  you = $state<number | null>(null);
  error = $state<string | null>(null);
  private timer: ReturnType<typeof setInterval> | undefined;

  start(intervalMs = 5000): () => void {
    void this.begin();
    this.timer = setInterval(() => void this.refresh(), intervalMs);
    return () => clearInterval(this.timer);
  }

  private async begin(): Promise<void> {
    this.you = await ownVolunteerId();
    await Promise.all([this.refresh(), this.loadAbout()]);
  }

  /** Who runs each project changes rarely: read once. */
  private async loadAbout(): Promise<void> {
    const res = await fetchCoordinator('/api/public/about').catch(() => undefined);
    if (res) this.about = CoordinatorAbout.parse(await res.json());
  }

  /** A coordinator off chain answers 4xx: the page then shows no epochs. */
  private async loadEpochs(): Promise<void> {
    const res = await fetchCoordinator('/api/epochs').catch(() => undefined);
    if (res)
      this.epochs = EpochList.parse(await res.json())
        .epochs.slice(-EPOCHS_SHOWN)
        .reverse();
  }

  async refresh(): Promise<void> {
    try {
      const you = this.you === null ? '' : `&you=${this.you}`;
      const [status, board] = await Promise.all([
        fetchCoordinator('/api/public/status'),
        fetchCoordinator(`/api/public/leaderboard?limit=50${you}`),
      ]);
      this.status = PublicStatus.parse(await status.json());
      void this.loadEpochs();
      this.leaderboard = Leaderboard.parse(await board.json());
      this.error = null;
    } catch (e) {
      this.error =
        e instanceof Error && e.name === 'NetworkError'
          ? 'The coordinator cannot be reached; the figures below may be old. Trying again.'
          : `Could not load the status: ${e instanceof Error ? e.message : String(e)}. Trying again.`;
    }
  }
}
