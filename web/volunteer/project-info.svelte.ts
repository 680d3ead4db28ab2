/**
 * @module web/volunteer/project-info
 * What the page tells the volunteer about the work: who runs this coordinator, how long credit settles, and for
 * each project its name, who runs it, what its results serve and what its apps compute (GET /api/public/about).
 * Read once, and again when a unit names a project or app not yet known (a project created since).
 */
import { CoordinatorAbout, type AppAbout, type ProjectInfo } from '../../protocol/about.ts';
import { fetchCoordinator } from '../../protocol/coordinator-error.ts';

export class ProjectCatalog {
  about = $state.raw<CoordinatorAbout | null>(null);
  private loading: Promise<void> | undefined;
  /** Short names looked up again once after a miss, not on every render. */
  private readonly missed = new Set<string>();
  private readonly base: string;

  constructor(base: string = location.origin) {
    this.base = base;
  }

  /** Reads the catalogue; a failure leaves what was known (the page shows the unit's names without more). */
  load(): Promise<void> {
    this.loading ??= (async () => {
      try {
        const res = await fetchCoordinator(new URL('/api/public/about', this.base));
        this.about = CoordinatorAbout.parse(await res.json());
      } catch {
        // Offline or an older coordinator: the page names the unit's project and app by their short names.
      } finally {
        this.loading = undefined;
      }
    })();
    return this.loading;
  }

  project(shortName: string | null): ProjectInfo | null {
    const found = this.about?.projects.find((p) => p.shortName === shortName) ?? null;
    if (shortName !== null && !found && this.about && !this.missed.has(shortName)) {
      this.missed.add(shortName);
      void this.load();
    }
    return found;
  }

  /** An app as `project` describes it: a built-in app by its name, a researcher's app by its manifest name. */
  app(project: ProjectInfo | null, name: string): AppAbout | null {
    return project?.apps.find((a) => a.name === name) ?? null;
  }
}
