import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HubClient } from './hub-client.js';
import { HubProcess } from './hub-process.js';

export interface HubStackOptions {
  databaseUrl: string;
  redisUrl: string;
  /** The configuration file's content (written as JSON, which is YAML too). */
  config: Record<string, unknown>;
  /** More environment for every process (secrets the configuration references). */
  env?: Record<string, string>;
  /** Extra node flags for the api process only (e.g. `--cpu-prof` for a benchmark). */
  apiNodeArgs?: string[];
  /** Extra node flags for the worker processes (e.g. `--cpu-prof`). */
  workerNodeArgs?: string[];
  workers?: number;
}

/** A hub split into processes as in production: one `api` and N `worker`s on PostgreSQL and Redis. */
export class HubStack {
  readonly adminKey: string;
  readonly dir: string;
  readonly env: Record<string, string>;
  api!: HubProcess;
  readonly workers: HubProcess[] = [];
  #workerCount = 0;
  readonly #workerNodeArgs: string[];

  private constructor(options: HubStackOptions) {
    this.adminKey = `sb_admin_${randomBytes(18).toString('hex')}`;
    this.dir = mkdtempSync(join(tmpdir(), 'sb-stack-'));
    this.#workerNodeArgs = options.workerNodeArgs ?? [];
    const configFile = join(this.dir, 'switchboard.config.yaml');
    writeFileSync(configFile, `${JSON.stringify(options.config, null, 2)}\n`);
    this.env = {
      ...options.env,
      DATABASE_URL: options.databaseUrl,
      REDIS_URL: options.redisUrl,
      SWITCHBOARD_ADMIN_KEY: this.adminKey,
      SWITCHBOARD_CONFIG: configFile,
      SWITCHBOARD_DATA_DIR: join(this.dir, 'data'),
    };
  }

  /**
   * Starts the api first (it applies the migrations at start), then the workers, each waited for
   * with /readyz. On failure, whatever started is stopped again.
   */
  static async start(options: HubStackOptions): Promise<HubStack> {
    const stack = new HubStack(options);
    try {
      stack.api = await HubProcess.start({ role: 'api', name: 'api', env: stack.env, logDir: stack.dir, nodeArgs: options.apiNodeArgs ?? [] });
      for (let i = 0; i < (options.workers ?? 1); i++) await stack.startWorker();
    } catch (error) {
      await stack.stop().catch(() => undefined);
      throw error;
    }
    return stack;
  }

  get client(): HubClient {
    return new HubClient(this.api.baseUrl, this.adminKey);
  }

  async startWorker(): Promise<HubProcess> {
    this.#workerCount += 1;
    const worker = await HubProcess.start({ role: 'worker', name: `worker-${this.#workerCount}`, env: this.env, logDir: this.dir, nodeArgs: this.#workerNodeArgs });
    this.workers.push(worker);
    return worker;
  }

  /** Every process's state and last output lines, for failure messages. */
  describe(): string {
    return [this.api, ...this.workers].filter((hub) => hub !== undefined).map((hub) => hub.describe()).join('\n\n');
  }

  /** Deletes the configuration and the processes' output: for runs that passed. */
  removeFiles(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  async stop(): Promise<void> {
    const all = [...this.workers, this.api].filter((hub): hub is HubProcess => hub !== undefined);
    await Promise.all(all.map((hub) => hub.stop()));
  }
}
