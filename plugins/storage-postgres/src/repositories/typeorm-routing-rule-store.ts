import { isId, type RoutingRule, type RoutingRuleRepository } from '@switchboard/core';
import type { EntityManager, Repository } from 'typeorm';
import { RoutingRuleSchema, type RoutingRuleRow } from '../schemas/routing.schema.js';
import { updateRows } from './update-rows.js';

const toRule = (r: RoutingRuleRow): RoutingRule => ({
  id: r.id,
  name: r.name,
  position: r.position,
  enabled: r.enabled,
  match: r.match,
  actions: r.actions,
  createdAt: r.createdAt,
  updatedAt: r.updatedAt,
});

export class TypeormRoutingRuleRepository implements RoutingRuleRepository {
  private readonly rows: Repository<RoutingRuleRow>;

  constructor(private readonly manager: EntityManager) {
    this.rows = manager.getRepository(RoutingRuleSchema);
  }

  async list(): Promise<RoutingRule[]> {
    return (await this.rows.find({ order: { position: 'ASC', id: 'ASC' } })).map(toRule);
  }

  async get(id: string): Promise<RoutingRule | null> {
    if (!isId(id)) return null;
    const row = await this.rows.findOneBy({ id });
    return row ? toRule(row) : null;
  }

  async insert(rule: RoutingRule): Promise<void> {
    await this.rows.insert({ ...toRule(rule) });
  }

  async update(rule: RoutingRule): Promise<void> {
    const { id, ...changes } = toRule(rule);
    await updateRows(this.rows, { id }, changes);
  }

  async delete(id: string): Promise<void> {
    if (!isId(id)) return;
    await this.rows.delete({ id });
  }

  async version(): Promise<number> {
    // On the ingest path for every batch: one primary-key read.
    const [row] = await this.manager.query<{ version: string }[]>('SELECT version FROM routing_rule_version WHERE id = 1');
    return row ? Number(row.version) : 0;
  }

  async bumpVersion(): Promise<number> {
    // As a SELECT over the UPDATE: TypeORM answers a bare UPDATE with [rows, count], a SELECT with rows.
    const [row] = await this.manager.query<{ version: string }[]>(
      'WITH bumped AS (UPDATE routing_rule_version SET version = version + 1 WHERE id = 1 RETURNING version) SELECT version FROM bumped',
    );
    return row ? Number(row.version) : 0;
  }
}
