import { join } from 'node:path';
import { groupNameProblem, quoteName, topicNameProblem } from '@rocketnest/protocol';
import { ConfigFile, splitByName } from './config-file.js';

interface OffsetFile {
  offsetTable: Record<string, Record<string, number>>;
}

/**
 * ConsumerOffsetManager: committed offsets per topic@group and queue, kept in memory and
 * persisted to config/consumerOffset.json every flushConsumerOffsetInterval and on shutdown.
 */
export class ConsumerOffsetManager {
  private readonly table = new Map<string, Map<number, number>>();
  private readonly file: ConfigFile<OffsetFile>;
  private dirty = false;
  /** Entries of consumerOffset.json whose names break the rules: kept in the file, never used. */
  private setAside: OffsetFile['offsetTable'] = {};

  constructor(
    storePathRootDir: string,
    private readonly report: (message: string) => void = () => {},
  ) {
    this.file = new ConfigFile(join(storePathRootDir, 'config', 'consumerOffset.json'), 'the consumer offsets');
  }

  load(): void {
    const stored = this.file.load()?.offsetTable;
    const { valid, setAside } = splitByName(stored, offsetKeyProblem, this.report, this.file.path);
    this.setAside = setAside;
    this.put(valid);
  }

  private put(entries: [string, Record<string, number>][]): void {
    for (const [key, queues] of entries) {
      this.table.set(
        key,
        new Map(Object.entries(queues).map(([queueId, offset]) => [Number(queueId), Number(offset)])),
      );
    }
  }

  /** Store a group's offset of a queue; negative offsets (ali-ons commits -1 for 0) are ignored. */
  commit(group: string, topic: string, queueId: number, offset: number): void {
    if (offset < 0) return;
    const key = `${topic}@${group}`;
    let queues = this.table.get(key);
    if (!queues) this.table.set(key, (queues = new Map()));
    queues.set(queueId, offset);
    this.dirty = true;
  }

  /** The committed offset, or -1 when there is none. */
  query(group: string, topic: string, queueId: number): number {
    return this.table.get(`${topic}@${group}`)?.get(queueId) ?? -1;
  }

  /** Offsets of a group on a topic, by queue id. */
  offsets(group: string, topic: string): Map<number, number> {
    return new Map(this.table.get(`${topic}@${group}`) ?? []);
  }

  /** Groups with offsets on a topic. */
  groupsOf(topic: string): string[] {
    return [...this.table.keys()]
      .filter((key) => key.startsWith(`${topic}@`))
      .map((key) => key.slice(topic.length + 1));
  }

  /** Give dest the offsets src has on a topic (replacing dest's), as mqadmin cloneGroupOffset asks. */
  clone(src: string, dest: string, topic: string): void {
    const offsets = this.table.get(`${topic}@${src}`);
    if (!offsets) return;
    this.table.set(`${topic}@${dest}`, new Map(offsets));
    this.dirty = true;
  }

  /** Groups with offsets on any topic (the key is topic@group; a group name has no '@'). */
  groups(): string[] {
    return [...new Set([...this.table.keys()].map((key) => key.slice(key.lastIndexOf('@') + 1)))];
  }

  /** Topics a group has offsets on. */
  topicsOf(group: string): string[] {
    return [...this.table.keys()]
      .filter((key) => key.endsWith(`@${group}`))
      .map((key) => key.slice(0, -group.length - 1));
  }

  /** The offsets as consumerOffset.json holds them and GET_ALL_CONSUMER_OFFSET answers them. */
  wrapper(): OffsetFile {
    const offsetTable: OffsetFile['offsetTable'] = {};
    for (const [key, queues] of this.table) offsetTable[key] = Object.fromEntries(queues);
    return { offsetTable };
  }

  /** Take a master's offsets in place of these (SlaveSynchronize); entries with bad names are skipped. */
  replaceAll(stored: OffsetFile['offsetTable'] | undefined): void {
    const { valid } = splitByName(stored, offsetKeyProblem, this.report, "the master's consumer offsets");
    this.table.clear();
    this.put(valid);
    this.persist(true);
  }

  persist(force = false): void {
    if (!this.dirty && !force) return;
    this.dirty = false;
    this.file.persist({ offsetTable: { ...this.setAside, ...this.wrapper().offsetTable } });
  }
}

/** Why a key of the offset table is not topic@group with a valid topic and group, or undefined. */
function offsetKeyProblem(key: string): string | undefined {
  const at = key.indexOf('@');
  if (at < 0) return `the offset key ${quoteName(key)} is not topic@group`;
  return topicNameProblem(key.slice(0, at)) ?? groupNameProblem(key.slice(at + 1));
}
