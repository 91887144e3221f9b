import type { Interaction } from '../../ledger/interaction.entity.js';
import { DomainError } from '../../shared/domain-error.js';
import type { Clock } from '../../shared/ports/clock.port.js';
import type { Store } from '../../store/store.port.js';
import { newCrmLogEntry, type CrmLogEntry } from '../crm-log.entity.js';
import type { CrmRegistry } from '../ports/crm-registry.port.js';
import { SyncCrm } from './sync-crm.use-case.js';

export interface CrmBackfillProgress {
  phase: 'reading' | 'logging';
  /** Conversations read so far (reading), customers synced so far (logging). */
  done: number;
  /** Customers to sync (known once reading is over). */
  total: number;
  logged: number;
}

export interface CrmBackfillReport {
  instanceId: string;
  conversations: number;
  /** Entries found in the ledger (since `since`), and how many of them were new to the CRM log. */
  entries: number;
  added: number;
  customers: number;
  logged: number;
  unmatched: number;
  dead: number;
  /** Customers whose sync failed for now (the CRM was unreachable, say): run the backfill again. */
  failed: { customerId: string; reason: string }[];
}

const CONVERSATIONS_PER_READ = 200;

/** The entries a CRM logs: messages and notes, and the status entry that resolved a conversation (its summary). */
const loggable = (i: Interaction): CrmLogEntry['kind'] | null => {
  if (i.erasedAt !== null) return null;
  if (i.type === 'message' || i.type === 'note') return 'entry';
  if (i.type === 'status' && i.data['to'] === 'resolved') return 'summary';
  return null;
};

/**
 * Logs the history of existing customers to one CRM instance (`switchboard crm backfill`): walks
 * the whole ledger, adds every loggable entry (since a date, if given) to the CRM log — entries it
 * holds already are left as they are, so a second run adds nothing and logs nothing twice — gives
 * unmatched and dead entries of those customers another chance, then syncs customer by customer.
 */
export class BackfillCrm {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly crms: CrmRegistry,
    private readonly sync: SyncCrm,
  ) {}

  /**
   * `recheck`: the CRM may hold some of these entries already without this hub's log saying so (a
   * hub restored from an export, whose CRM log starts empty): each is looked for in the CRM before
   * it is created. Slower (the contact's engagements are listed per entry); never needed otherwise.
   */
  async run(instanceId: string, options: { since?: Date | undefined; recheck?: boolean | undefined } = {}, onProgress: (progress: CrmBackfillProgress) => void = () => {}): Promise<CrmBackfillReport> {
    if (!this.crms.get(instanceId)) throw new DomainError('not_found', 'CRM.INSTANCE_NOT_FOUND', `no CRM plugin instance '${instanceId}'`);
    const report: CrmBackfillReport = { instanceId, conversations: 0, entries: 0, added: 0, customers: 0, logged: 0, unmatched: 0, dead: 0, failed: [] };
    const recordedFor = new Set<string>();
    for (let after: string | null = null; ; ) {
      const ids: string[] = await this.store.read((s) => s.interactions.conversationIdsAfter(after, CONVERSATIONS_PER_READ));
      if (ids.length === 0) break;
      after = ids[ids.length - 1]!;
      const entries = (await this.store.read((s) => s.interactions.listByConversations(ids)))
        .filter((i) => loggable(i) !== null && (options.since === undefined || i.occurredAt.getTime() >= options.since.getTime()))
        .sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || a.recordedAt.getTime() - b.recordedAt.getTime() || a.seq - b.seq);
      const now = this.clock.now();
      report.added += await this.store.transaction((s) =>
        s.crmLog.addMany(
          entries.map((i) =>
            newCrmLogEntry(
              // A row found `sending` is looked for in the CRM before it is created (see SyncCrm).
              { instanceId, interactionId: i.id, customerId: i.customerId, conversationId: i.conversationId, kind: loggable(i)!, status: options.recheck ? 'sending' : 'pending' },
              now,
            ),
          ),
        ),
      );
      for (const i of entries) recordedFor.add(i.customerId);
      report.entries += entries.length;
      report.conversations += ids.length;
      onProgress({ phase: 'reading', done: report.conversations, total: 0, logged: 0 });
    }
    // Sync once per surviving customer (a merged customer's entries go with its survivor's).
    const survivors = new Set<string>();
    for (const customerId of recordedFor) survivors.add((await this.store.read((s) => SyncCrm.survivorOf(s, customerId)))?.id ?? customerId);
    report.customers = survivors.size;
    await this.store.transaction((s) => s.crmLog.setStatusFor(instanceId, [...recordedFor], ['unmatched', 'dead'], 'pending', this.clock.now(), null));
    let done = 0;
    for (const customerId of survivors) {
      try {
        const result = await this.sync.syncCustomer(instanceId, customerId);
        report.logged += result.logged;
        report.unmatched += result.unmatched;
        report.dead += result.dead;
      } catch (error) {
        report.failed.push({ customerId, reason: error instanceof Error ? error.message : String(error) });
      }
      done += 1;
      onProgress({ phase: 'logging', done, total: survivors.size, logged: report.logged });
    }
    return report;
  }
}
