import {
  ALL_LEGACY_ENTITIES,
  LEGACY_ENTITIES,
  parseLegacyExternalId,
  type LegacyChanges,
  type LegacyDescription,
  type LegacyEntity,
  type LegacyFailure,
  type LegacyPage,
  type LegacyRecord,
  type LegacySource,
} from './legacy-source.port.js';
import { invalid } from '../shared/domain-error.js';
import type { Health } from '../shared/health.js';

interface Item {
  key: string;
  /** When the record last changed, in the source's own time (ms). */
  changedAt: number;
  record?: LegacyRecord;
  failure?: LegacyFailure;
}

// Ids that are numbers sort as numbers (2 before 10), any other text after them, as text.
const compareKeys = (a: string, b: string): number => {
  const na = /^\d+$/.test(a);
  const nb = /^\d+$/.test(b);
  if (na && nb) return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
  if (na !== nb) return na ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
};

const changedAtOf = (record: LegacyRecord): number => ('updatedAt' in record ? record.updatedAt.getTime() : 0);

/**
 * The records of a file export (Zendesk JSON, CSV…) held in memory, served the way the
 * LegacySource port asks: pages in id order with keyset cursors (stable when the files grow), and
 * deltas by each record's own `updatedAt`. Failures (rows that could not be read) take their place
 * in the pages by their source id. A helper for file-based sources; a database source pages in SQL.
 */
export class LegacyRecordSet {
  private readonly items = new Map<LegacyEntity, Item[]>();

  constructor(
    readonly system: string,
    records: readonly LegacyRecord[],
    failures: readonly LegacyFailure[] = [],
  ) {
    for (const record of records) {
      const key = parseLegacyExternalId(record.externalId)?.id ?? record.externalId;
      this.list(record.entity).push({ key, changedAt: changedAtOf(record), record });
    }
    for (const failure of failures) this.list(failure.entity).push({ key: failure.sourceId, changedAt: 0, failure });
    for (const list of this.items.values()) list.sort((a, b) => compareKeys(a.key, b.key));
  }

  describe(): LegacyDescription {
    const entities = ALL_LEGACY_ENTITIES.filter((entity) => LEGACY_ENTITIES.includes(entity) || (this.items.get(entity)?.length ?? 0) > 0);
    return { system: this.system, entities: entities.map((entity) => ({ entity, count: this.items.get(entity)?.length ?? 0 })) };
  }

  read(entity: LegacyEntity, cursor: string | null, limit: number): LegacyPage {
    const list = this.items.get(entity) ?? [];
    const after = cursor === null ? null : this.parseCursor(entity, cursor);
    const start = after === null ? 0 : list.findIndex((item) => compareKeys(item.key, after) > 0);
    const from = start === -1 ? list.length : start;
    const page = list.slice(from, from + Math.max(1, Math.floor(limit)));
    const last = page.at(-1);
    return {
      records: page.flatMap((item) => (item.record === undefined ? [] : [item.record])),
      failures: page.flatMap((item) => (item.failure === undefined ? [] : [item.failure])),
      nextCursor: from + page.length < list.length && last !== undefined ? `${entity}:${last.key}` : null,
    };
  }

  /**
   * Records changed after the watermark (per entity: the last `updatedAt` and id seen), entity by
   * entity in import order, oldest change first within each. A null watermark answers the current one.
   */
  changesSince(watermark: string | null, limit: number): LegacyChanges {
    const positions = watermark === null ? null : this.decode(watermark);
    const next: Record<string, [number, string]> = { ...(positions ?? {}) };
    if (positions === null) {
      for (const [entity, list] of this.items) {
        const last = this.changeOrder(list).at(-1);
        if (last !== undefined) next[entity] = [last.changedAt, last.key];
      }
      return { records: [], watermark: this.encode(next), more: false };
    }
    const records: LegacyRecord[] = [];
    let left = Math.max(1, Math.floor(limit));
    let more = false;
    for (const entity of ALL_LEGACY_ENTITIES) {
      const position = positions[entity];
      const changed = this.changeOrder(this.items.get(entity) ?? []).filter(
        (item) => item.record !== undefined && (position === undefined || item.changedAt > position[0] || (item.changedAt === position[0] && compareKeys(item.key, position[1]) > 0)),
      );
      if (changed.length === 0) continue;
      if (left === 0) {
        more = true;
        break;
      }
      const taken = changed.slice(0, left);
      for (const item of taken) if (item.record !== undefined) records.push(item.record);
      const last = taken.at(-1);
      if (last !== undefined) next[entity] = [last.changedAt, last.key];
      left -= taken.length;
      if (changed.length > taken.length) {
        more = true;
        break;
      }
    }
    return { records, watermark: this.encode(next), more };
  }

  private list(entity: LegacyEntity): Item[] {
    let list = this.items.get(entity);
    if (list === undefined) {
      list = [];
      this.items.set(entity, list);
    }
    return list;
  }

  private changeOrder(list: readonly Item[]): Item[] {
    return list.filter((item) => item.record !== undefined).sort((a, b) => a.changedAt - b.changedAt || compareKeys(a.key, b.key));
  }

  private parseCursor(entity: LegacyEntity, cursor: string): string {
    const prefix = `${entity}:`;
    if (!cursor.startsWith(prefix)) throw invalid('LEGACY.BAD_CURSOR', `not a cursor of ${entity}: ${cursor}`, 'cursor');
    return cursor.slice(prefix.length);
  }

  private encode(positions: Record<string, [number, string]>): string {
    return Buffer.from(JSON.stringify(positions)).toString('base64url');
  }

  private decode(watermark: string): Record<string, [number, string]> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(watermark, 'base64url').toString('utf8'));
    } catch {
      throw invalid('LEGACY.BAD_WATERMARK', 'not a watermark of this source', 'watermark');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalid('LEGACY.BAD_WATERMARK', 'not a watermark of this source', 'watermark');
    const positions: Record<string, [number, string]> = {};
    for (const [entity, value] of Object.entries(parsed)) {
      if (Array.isArray(value) && typeof value[0] === 'number' && typeof value[1] === 'string') positions[entity] = [value[0], value[1]];
    }
    return positions;
  }
}

/**
 * A LegacySource over exported files held in memory as a LegacyRecordSet: the files are loaded
 * again whenever their `signature` (e.g. names, sizes and mtimes) changes, so a newer export
 * dropped in shows up as a delta. `label` names the source in its connection test.
 */
export class ReloadingLegacySource implements LegacySource {
  private cached: { signature: string; set: LegacyRecordSet } | undefined;

  constructor(
    private readonly signature: () => Promise<string>,
    private readonly load: () => Promise<LegacyRecordSet>,
    private readonly label: (description: LegacyDescription) => string,
  ) {}

  async describe(): Promise<LegacyDescription> {
    return (await this.data()).describe();
  }

  async read(entity: LegacyEntity, cursor: string | null, limit: number): Promise<LegacyPage> {
    return (await this.data()).read(entity, cursor, limit);
  }

  async changesSince(watermark: string | null, limit: number): Promise<LegacyChanges> {
    return (await this.data()).changesSince(watermark, limit);
  }

  async testConnection(): Promise<Health> {
    try {
      const description = await this.describe();
      return { status: 'up', detail: `${this.label(description)}: ${description.entities.map((e) => `${e.count} ${e.entity}`).join(', ')}` };
    } catch (error) {
      return { status: 'down', detail: error instanceof Error ? error.message : String(error) };
    }
  }

  private async data(): Promise<LegacyRecordSet> {
    const signature = await this.signature();
    if (this.cached?.signature !== signature) this.cached = { signature, set: await this.load() };
    return this.cached.set;
  }
}
