/**
 * @module web/status/public-status.svelte
 * The public status page's state: every project's status and the volunteers' leaderboard, fetched without login
 * and refreshed every few seconds while the page is open.
 */
import { fetchCoordinator } from '../../protocol/coordinator-error.ts';
import { Leaderboard, PublicStatus } from '../../protocol/research.ts';

export class PublicStatusPage {
  status = $state.raw<PublicStatus | null>(null);
  leaderboard = $state.raw<Leaderboard | null>(null);
  error = $state<string | null>(null);
  private timer: ReturnType<typeof setInterval> | undefined;

  start(intervalMs = 5000): () => void {
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), intervalMs);
    return () => clearInterval(this.timer);
  }

  async refresh(): Promise<void> {
    try {
      const [status, board] = await Promise.all([
        fetchCoordinator('/api/public/status'),
        fetchCoordinator('/api/public/leaderboard?limit=50'),
      ]);
      this.status = PublicStatus.parse(await status.json());
      this.leaderboard = Leaderboard.parse(await board.json());
      this.error = null;
    } catch (e) {
      this.error =
        e instanceof Error && e.name === 'NetworkError'
          ? 'the coordinator cannot be reached; the figures below may be old'
          : `could not load the status: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
}
