import { type Logger } from '@rocketnest/common';
import { existsSync, lstatSync, readdirSync, rmSync } from 'node:fs';
import { topicNameProblem } from '@rocketnest/protocol';
import { ConsumeQueue } from './consume-queue.js';
import { pathUnder, StorePathError, topicQueueDir } from './store-path.js';
import { closeEach } from './close-each.js';

/**
 * The file store's ConsumeQueues, by topic and queue id, in consumequeue/<topic>/<queueId> under
 * the store's root (ConsumeQueueStore), with the queue offset the next message of each queue
 * gets (CommitLog's topicQueueTable).
 */
export class ConsumeQueueTable {
  private readonly byTopic = new Map<string, Map<number, ConsumeQueue>>();
  /** The queue offset the next message of each topic queue gets: topic -> by queue id. */
  private readonly nextOffsets = new Map<string, number[]>();
  /** Topics of records on disk that break the rules of names, reported once each. */
  private readonly unqueuedTopics = new Set<string>();

  constructor(
    private readonly root: string,
    private readonly segmentSize: number,
    private readonly logger: Logger,
  ) {}

  /**
   * Open the ConsumeQueues on disk; false when there is no consumequeue directory yet. A
   * directory whose name is not a valid topic, or a link, is reported and left alone: it is
   * never opened, followed or deleted.
   */
  load(): boolean {
    const dir = pathUnder(this.root, 'consumequeue');
    if (!existsSync(dir)) return false;
    for (const topic of readdirSync(dir)) {
      const topicDir = pathUnder(dir, topic);
      const entry = lstatSync(topicDir);
      const why = entry.isSymbolicLink() ? 'it is a link' : entry.isDirectory() ? topicNameProblem(topic) : undefined;
      if (why) {
        this.logger.warn(`${topicDir} is not a ConsumeQueue directory the store opens (${why}); it is left as it is`);
        continue;
      }
      if (!entry.isDirectory()) continue;
      for (const id of readdirSync(topicDir)) {
        if (!/^\d+$/.test(id) || !lstatSync(pathUnder(topicDir, id)).isDirectory()) continue;
        this.get(topic, Number(id)).load();
      }
    }
    return true;
  }

  find(topic: string, queueId: number): ConsumeQueue | undefined {
    return this.byTopic.get(topic)?.get(queueId);
  }

  /** The queue, made when missing; throws a StorePathError for a topic that breaks the rules. */
  get(topic: string, queueId: number): ConsumeQueue {
    let queue = this.find(topic, queueId);
    if (!queue) {
      // Throws for a topic that breaks the rules, before anything is kept of it.
      const dir = pathUnder(topicQueueDir(this.root, topic), String(queueId));
      queue = new ConsumeQueue(topic, queueId, dir, this.segmentSize);
      let byId = this.byTopic.get(topic);
      if (!byId) this.byTopic.set(topic, (byId = new Map()));
      byId.set(queueId, queue);
    }
    return queue;
  }

  /**
   * The queue a record goes to. A record whose topic breaks the rules (puts refuse them, so one
   * written by another program) gets none: it stays in the CommitLog, and is reported once.
   */
  forRecord(topic: string, queueId: number): ConsumeQueue | undefined {
    try {
      return this.get(topic, queueId);
    } catch (error) {
      if (!(error instanceof StorePathError)) throw error;
      if (!this.unqueuedTopics.has(topic)) {
        this.unqueuedTopics.add(topic);
        this.logger.warn(`${error.message}; its records stay in the CommitLog without a ConsumeQueue`);
      }
      return undefined;
    }
  }

  all(): ConsumeQueue[] {
    return [...this.byTopic.values()].flatMap((byId) => [...byId.values()]);
  }

  /** Queue ids that have a ConsumeQueue, per topic. */
  queueIds(): Map<string, number[]> {
    return new Map([...this.byTopic].map(([topic, byId]) => [topic, [...byId.keys()].sort((a, b) => a - b)]));
  }

  nextOffset(topic: string, queueId: number): number {
    return this.nextOffsets.get(topic)?.[queueId] ?? 0;
  }

  setNextOffset(topic: string, queueId: number, offset: number): void {
    let byId = this.nextOffsets.get(topic);
    if (!byId) this.nextOffsets.set(topic, (byId = []));
    byId[queueId] = offset;
  }

  /** Delete topics' ConsumeQueues; a name that breaks the rules throws before anything is deleted. */
  delete(topics: readonly string[]): void {
    const dirs = topics.map((topic) => topicQueueDir(this.root, topic));
    topics.forEach((topic, i) => {
      const byId = this.byTopic.get(topic);
      if (!byId) return;
      for (const queue of byId.values()) queue.destroy();
      this.nextOffsets.delete(topic);
      this.byTopic.delete(topic);
      rmSync(dirs[i]!, { recursive: true, force: true });
    });
  }

  close(): void {
    try {
      closeEach(this.all(), (queue) => queue.close());
    } finally {
      this.byTopic.clear();
    }
  }
}
