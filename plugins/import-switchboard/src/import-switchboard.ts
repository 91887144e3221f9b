import { restoreHub, type PortabilitySession, type RestoreHubOptions, type RestoreResult, type RoutingSession, type Transactions } from '@switchboard/core';
import { exportFileLines } from './export-file.js';

/**
 * Restores the export file at `path` into an empty hub's store: verified whole first (nothing is
 * written when a line is damaged or the file is cut), then written in batches. See `restoreHub`.
 */
export const importSwitchboardFile = (store: Transactions<PortabilitySession & Pick<RoutingSession, 'routingRules'>>, path: string, options: RestoreHubOptions = {}): Promise<RestoreResult> =>
  restoreHub(store, exportFileLines(path), options);
