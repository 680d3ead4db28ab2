/**
 * @module server/store/stores
 * The store family: one narrow store per part of the coordinator, over one database. Each part is handed only its
 * own (the passes and the host API the work store, the research API the research store, the chain passes the chain
 * store), so none can reach another's tables; the family owns the connection and closes it. Opened by
 * server/store/open-store.ts; docs/architecture.md says why a family of objects rather than one class.
 */
import type { AppStore } from './apps.ts';
import type { ChainStore } from './chain.ts';
import type { ResearchStore } from './research.ts';
import type { Store } from './store.ts';
import type { TrainingStore } from './training.ts';

export interface Stores {
  /** Hosts, volunteers, batches, work units, replicas and credit: the host API's and the passes' store. */
  work: Store;
  /** Projects, researchers and their keys, a project's batches and results, what the public sees. */
  research: ResearchStore;
  /** Researchers' own apps, versioned. */
  apps: AppStore;
  /** What the chain passes read from the work and keep of the chain. */
  chain: ChainStore;
  /** Training jobs, their rounds and model versions, and the hosts banned from them. */
  training: TrainingStore;
  /** Closes the database; every store of the family is then spent. */
  close(): Promise<void>;
}
