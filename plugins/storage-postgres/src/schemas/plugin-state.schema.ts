import { EntitySchema } from 'typeorm';

export interface PluginStateRow {
  instanceId: string;
  key: string;
  value: unknown;
  updatedAt: Date;
}

export const PluginStateSchema = new EntitySchema<PluginStateRow>({
  name: 'PluginState',
  tableName: 'plugin_state',
  columns: {
    instanceId: { type: 'varchar', length: 200, name: 'instance_id', primary: true },
    key: { type: 'varchar', length: 512, primary: true },
    value: { type: 'jsonb' },
    updatedAt: { type: 'timestamptz', name: 'updated_at' },
  },
});
