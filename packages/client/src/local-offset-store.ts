import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { queueKey } from './allocate.js';
import type { OffsetStore } from './offset-store.js';
import type { MessageQueue } from './topic-route.js';

/**
 * LocalFileOffsetStore: a broadcasting consumer's offsets, which are its own and not the group's,
 * in {dir}/{clientId}/{group}/offsets.json (written to a temporary file and renamed).
 */
export class LocalFileOffsetStore implements OffsetStore {
  private readonly path: string;
  private readonly offsets = new Map<string, number>();
  private dirty = false;

  constructor(dir: string, clientId: string, group: string) {
    this.path = join(dir, clientId.replace(/[^\w.@-]/g, '_'), group, 'offsets.json');
    try {
      const stored = JSON.parse(readFileSync(this.path, 'utf8')) as { offsetTable?: Record<string, number> };
      for (const [key, offset] of Object.entries(stored.offsetTable ?? {})) this.offsets.set(key, offset);
    } catch {
      // No file yet: every queue starts from consumeFromWhere.
    }
  }

  read(queue: MessageQueue): Promise<number> {
    return Promise.resolve(this.offsets.get(queueKey(queue)) ?? -1);
  }

  update(queue: MessageQueue, offset: number): void {
    if (this.offsets.get(queueKey(queue)) === offset) return;
    this.offsets.set(queueKey(queue), offset);
    this.dirty = true;
  }

  persist(): Promise<void> {
    if (!this.dirty) return Promise.resolve();
    this.dirty = false;
    mkdirSync(dirname(this.path), { recursive: true });
    writeFileSync(`${this.path}.tmp`, JSON.stringify({ offsetTable: Object.fromEntries(this.offsets) }, null, 2));
    renameSync(`${this.path}.tmp`, this.path);
    return Promise.resolve();
  }

  /** A broadcasting consumer keeps every queue's offset, owned or not. */
  remove(): void {}
}
