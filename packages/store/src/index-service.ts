import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { pathUnder } from './store-path.js';
import { IndexFile, indexFileName, indexKeyHash, indexKeyHashFrom, topicKeyPrefixHash } from './index-file.js';
import { closeEach } from './close-each.js';

/**
 * The IndexFiles of a store (IndexService): keys and unique ids of every message, looked up by
 * topic#key within a time range. A full file is persisted and the next one started.
 */
export class IndexService {
  private files: IndexFile[] = [];
  /** After load(): the CommitLog offset from which dispatch must rebuild deleted files, if any. */
  rebuildFrom: number | undefined;
  private lastTopic: string | undefined;
  private lastTopicHash = 0;

  constructor(
    private readonly dir: string,
    private readonly maxHashSlotNum: number,
    private readonly maxIndexNum: number,
  ) {}

  /**
   * Open the files. After an abnormal exit, files newer than the checkpoint's index time may
   * be incomplete: they are deleted (their entries are rebuilt by dispatch), and the newest
   * remaining file's slots are rebuilt from its entries.
   */
  load(abnormal: boolean, indexMsgTimestamp: number): void {
    mkdirSync(this.dir, { recursive: true });
    const entries = readdirSync(this.dir);
    // An index file whose creation a crash interrupted holds nothing yet.
    for (const name of entries) if (name.endsWith('.creating')) rmSync(pathUnder(this.dir, name), { force: true });
    const names = entries.filter((name) => /^\d{17}$/.test(name)).sort();
    for (const name of names) {
      const file = IndexFile.open(pathUnder(this.dir, name), this.maxHashSlotNum, this.maxIndexNum);
      if (abnormal && file.header.endTimestamp > indexMsgTimestamp) {
        this.rebuildFrom = Math.min(this.rebuildFrom ?? Number.POSITIVE_INFINITY, file.header.beginPhyOffset);
        file.close();
        rmSync(file.path, { force: true });
        continue;
      }
      this.files.push(file);
    }
    const last = this.files.at(-1);
    if (last && !last.isFull) last.activate(abnormal);
  }

  /** The CommitLog offset of the last message indexed. */
  get endPhyOffset(): number {
    return this.files.at(-1)?.header.endPhyOffset ?? 0;
  }

  /** Is the message at this CommitLog offset indexed already (dispatching it again a repeat)? */
  covers(physicalOffset: number): boolean {
    const end = this.endPhyOffset;
    if (physicalOffset !== end) return physicalOffset < end;
    return this.files.length > 1 || (this.files[0]?.header.indexCount ?? 0) > 1;
  }

  get lastUpdateTimestamp(): number {
    return this.files.at(-1)?.header.endTimestamp ?? 0;
  }

  /**
   * Index a message's keys (UNIQ_KEY and each of KEYS), each as topic#key. Returns the full
   * files it closed, if any.
   */
  put(topic: string, physicalOffset: number, storeTimestamp: number, keys: readonly string[]): IndexFile[] | undefined {
    if (keys.length === 0 || this.covers(physicalOffset)) return undefined;
    let closed: IndexFile[] | undefined;
    let file = this.writable();
    const topicHash = this.topicHash(topic);
    for (const key of keys) {
      const keyHash = indexKeyHashFrom(topicHash, key);
      while (!file.put(keyHash, physicalOffset, storeTimestamp)) {
        (closed ??= []).push(file);
        file = this.roll(file);
      }
    }
    return closed;
  }

  /** The hash of "topic#", for the last topic indexed: runs of messages share one. */
  private topicHash(topic: string): number {
    if (topic !== this.lastTopic) {
      this.lastTopic = topic;
      this.lastTopicHash = topicKeyPrefixHash(topic);
    }
    return this.lastTopicHash;
  }

  private writable(): IndexFile {
    const last = this.files.at(-1);
    if (last && !last.isFull) return last;
    return this.roll(last);
  }

  private roll(previous: IndexFile | undefined): IndexFile {
    mkdirSync(this.dir, { recursive: true });
    let time = Date.now();
    const taken = new Set(this.files.map((f) => f.path));
    while (taken.has(pathUnder(this.dir, indexFileName(time)))) time++;
    const file = IndexFile.create(
      pathUnder(this.dir, indexFileName(time)),
      this.maxHashSlotNum,
      this.maxIndexNum,
      previous?.header,
    );
    this.files.push(file);
    return file;
  }

  /** Persist the file being written (entries, header, and slots when asked) and return its end time. */
  async persist(withSlots: boolean): Promise<number> {
    const last = this.files.at(-1);
    if (!last) return 0;
    return (await last.persist(withSlots)).endTimestamp;
  }

  /** CommitLog offsets for topic#key within [begin, end], newest files first, at most maxNum. */
  query(topic: string, key: string, maxNum: number, begin: number, end: number): number[] {
    const offsets: number[] = [];
    for (let i = this.files.length - 1; i >= 0 && offsets.length < maxNum; i--) {
      const file = this.files[i]!;
      if (file.overlaps(begin, end)) file.query(indexKeyHash(topic, key), maxNum, begin, end, offsets);
      if (file.header.beginTimestamp < begin) break;
    }
    return offsets;
  }

  /** Delete files that only index messages below the CommitLog's new start (never the last). */
  deleteBefore(commitLogMinOffset: number): void {
    while (this.files.length > 1 && this.files[0]!.header.endPhyOffset < commitLogMinOffset) {
      const file = this.files.shift()!;
      file.close();
      rmSync(file.path, { force: true });
    }
  }

  close(): void {
    try {
      closeEach(this.files, (file) => file.close());
    } finally {
      this.files = [];
    }
  }
}
