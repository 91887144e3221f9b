import { existsSync, readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { types } from '@slack/bolt';

type KnownBlock = types.KnownBlock;

/** Where an offer was shown: the DM and the message, to update it in place and thread under it. */
export interface ShownMessage {
  channel: string;
  ts: string;
}

export interface SlackStateData {
  /** offer id → the DM message showing it. */
  offers: Record<string, ShownMessage & { conversationId: string; agentId: string; summary: KnownBlock[]; status: string }>;
  /** `${conversationId}:${agentId}` → the working thread. */
  threads: Record<string, ShownMessage>;
  /** `${channel}:${thread ts}` → the conversation the thread works on. */
  threadConversations: Record<string, string>;
  /** Posts (ledger entry ids) shown, per agent: `${postId}:${agentId}` → message ts. */
  posts: Record<string, string>;
  /** Slack user → the DM channel with the bot. */
  dms: Record<string, string>;
}

const empty = (): SlackStateData => ({ offers: {}, threads: {}, threadConversations: {}, posts: {}, dms: {} });

/**
 * What the desk remembers about the messages it showed, in the instance's data folder (one JSON
 * file, replaced atomically). An `api` and a `worker` process on one data folder share it: a
 * write merges what is on disk first, and a lookup that misses reads the file again. Hubs split
 * across hosts need it in the shared store instead (see README).
 */
export class SlackState {
  readonly data: SlackStateData = empty();
  private writing: Promise<void> = Promise.resolve();
  private readonly file: string | null;

  constructor(dataDir: string | null) {
    this.file = dataDir === null ? null : join(dataDir, 'slack-state.json');
    this.reload();
  }

  /** Merges what other processes wrote into memory (this process's entries win). */
  reload(): void {
    if (this.file === null || !existsSync(this.file)) return;
    let disk: Partial<SlackStateData>;
    try {
      disk = JSON.parse(readFileSync(this.file, 'utf8')) as Partial<SlackStateData>;
    } catch {
      return;
    }
    for (const key of Object.keys(this.data) as (keyof SlackStateData)[]) {
      Object.assign(this.data[key], { ...(disk[key] ?? {}), ...this.data[key] });
    }
  }

  /** Writes the state after a change; writes queue behind each other so the file is never torn. */
  save(): Promise<void> {
    const file = this.file;
    if (file === null) return Promise.resolve();
    this.writing = this.writing.then(async () => {
      this.reload();
      const temporary = `${file}.${process.pid}.tmp`;
      await writeFile(temporary, JSON.stringify(this.data), { mode: 0o600 });
      await rename(temporary, file);
    });
    return this.writing;
  }
}
