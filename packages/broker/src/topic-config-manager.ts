import { join } from 'node:path';
import {
  Perm,
  replyTopic,
  SystemTopic,
  topicNameProblem,
  type DataVersion,
  type TopicConfig,
  type TopicConfigSerializeWrapper,
} from '@rocketnest/protocol';
import type { BrokerConfig } from './broker-config.js';
import { ConfigFile, splitByName } from './config-file.js';

/** Topics producers may not send to (TopicValidator.NOT_ALLOWED_SEND_TOPIC_SET). */
export const NOT_ALLOWED_SEND_TOPICS = new Set<string>([
  SystemTopic.SCHEDULE,
  SystemTopic.TIMER,
  SystemTopic.TRANS_HALF,
  SystemTopic.TRANS_OP_HALF,
  SystemTopic.TRANS_CHECK_MAX_TIME,
  SystemTopic.SELF_TEST,
  SystemTopic.OFFSET_MOVED_EVENT,
]);

export function topicConfig(topicName: string, queueNums: number, perm: number = Perm.READ_WRITE): TopicConfig {
  return {
    topicName,
    readQueueNums: queueNums,
    writeQueueNums: queueNums,
    perm,
    topicFilterType: 'SINGLE_TAG',
    topicSysFlag: 0,
    order: false,
  };
}

/**
 * TopicConfigManager: the broker's topics, persisted to config/topics.json in RocketMQ's layout
 * with a data version that moves on every change, so that the NameServers learn of it.
 */
export class TopicConfigManager {
  private readonly topics = new Map<string, TopicConfig>();
  /** The broker's own topics (putSystemTopics): never created, changed or deleted by request. */
  private readonly systemTopics = new Set<string>();
  /** Entries of topics.json whose names break the rules: kept in the file, never used. */
  private setAside: Record<string, TopicConfig> = {};
  private dataVersion: DataVersion = { timestamp: Date.now(), counter: 0 };
  private readonly file: ConfigFile<TopicConfigSerializeWrapper>;
  /** Called after every change: the broker registers with the NameServers again. */
  onChange: () => void = () => {};

  constructor(
    private readonly config: BrokerConfig,
    storePathRootDir: string,
    private readonly report: (message: string) => void = () => {},
  ) {
    this.file = new ConfigFile(join(storePathRootDir, 'config', 'topics.json'), 'the topic configs');
    this.putSystemTopics();
  }

  private putSystemTopics(): void {
    const system = [
      topicConfig(SystemTopic.SELF_TEST, 1),
      topicConfig(SystemTopic.OFFSET_MOVED_EVENT, 1),
      topicConfig(SystemTopic.SCHEDULE, 18),
      topicConfig(SystemTopic.TIMER, 1),
      topicConfig(SystemTopic.TRANS_HALF, 1),
      topicConfig(SystemTopic.TRANS_OP_HALF, 1),
      topicConfig(SystemTopic.TRANS_CHECK_MAX_TIME, 1),
      topicConfig(replyTopic(this.config.brokerClusterName), 1),
      topicConfig(this.config.brokerClusterName, 16, Perm.INHERIT | Perm.READ_WRITE),
      topicConfig(this.config.brokerName, 1, Perm.INHERIT | Perm.READ_WRITE),
    ];
    // Without auto-creation TBW102 is still there, but without INHERIT nothing is created from it.
    const autoCreatePerm = this.config.autoCreateTopicEnable ? Perm.INHERIT | Perm.READ_WRITE : Perm.READ_WRITE;
    system.push(topicConfig(SystemTopic.AUTO_CREATE, this.config.defaultTopicQueueNums, autoCreatePerm));
    for (const config of system) {
      this.topics.set(config.topicName, config);
      this.systemTopics.add(config.topicName);
    }
  }

  /**
   * A topic no request may create, change or delete: the broker's own (TopicValidator's system
   * topics, with the cluster, broker and reply topics RocketMQ adds) and any rmq_sys_ topic.
   */
  /** The broker's own topics (TBW102, SCHEDULE_TOPIC_XXXX, its cluster and broker names, ...), as GET_SYSTEM_TOPIC_LIST_FROM_BROKER lists them. */
  systemTopicNames(): string[] {
    return [...this.systemTopics];
  }

  isSystemTopic(topic: string): boolean {
    return this.systemTopics.has(topic) || NOT_ALLOWED_SEND_TOPICS.has(topic) || topic.startsWith('rmq_sys_');
  }

  /** Load topics.json; system topics keep their settings. */
  load(): void {
    const stored = this.file.load();
    if (!stored) return;
    const { valid, setAside } = splitByName(stored.topicConfigTable, topicNameProblem, this.report, this.file.path);
    this.setAside = setAside;
    this.putStored(valid);
    if (stored.dataVersion) this.dataVersion = { ...stored.dataVersion };
  }

  /**
   * Take a master's topics in place of these (SlaveSynchronize): its table and data version;
   * this broker's own system topics stay, entries with bad names are skipped.
   */
  replaceAll(master: TopicConfigSerializeWrapper): void {
    const { valid } = splitByName(master.topicConfigTable, topicNameProblem, this.report, "the master's topic configs");
    for (const topic of [...this.topics.keys()]) if (!this.systemTopics.has(topic)) this.topics.delete(topic);
    this.putStored(valid);
    if (master.dataVersion) this.dataVersion = { ...master.dataVersion };
    this.persist();
  }

  /** Stored configs, completed with defaults; TBW102 keeps this broker's settings (autoCreateTopicEnable). */
  private putStored(entries: readonly [string, TopicConfig][]): void {
    for (const [name, config] of entries) {
      if (name === SystemTopic.AUTO_CREATE) continue;
      this.topics.set(name, { ...topicConfig(name, config.readQueueNums), ...config, topicName: name });
    }
  }

  get(topic: string): TopicConfig | undefined {
    return this.topics.get(topic);
  }

  all(): TopicConfig[] {
    return [...this.topics.values()];
  }

  /** What the broker registers with the NameServers. */
  wrapper(): TopicConfigSerializeWrapper {
    return { topicConfigTable: Object.fromEntries(this.topics), dataVersion: { ...this.dataVersion } };
  }

  /** Create or replace a topic (UPDATE_AND_CREATE_TOPIC). */
  update(config: TopicConfig): void {
    this.updateAll([config]);
  }

  /**
   * Create or replace several topics with one write of topics.json and one change. Every name is
   * checked here too, whatever made it (a %RETRY% topic of a group too long for one, say), so
   * that no topic the store would make a directory of can break the rules.
   */
  updateAll(configs: readonly TopicConfig[]): void {
    if (configs.length === 0) return;
    for (const { topicName, readQueueNums, writeQueueNums } of configs) {
      const problem = topicNameProblem(topicName);
      if (problem) throw new RangeError(problem);
      const most = this.config.maxQueueNumsPerTopic;
      if (readQueueNums > most || writeQueueNums > most) {
        throw new RangeError(
          `topic ${topicName}: ${Math.max(readQueueNums, writeQueueNums)} queues is over maxQueueNumsPerTopic ${most}: ask for fewer queues, or raise maxQueueNumsPerTopic`,
        );
      }
    }
    const added = new Set(configs.map((c) => c.topicName).filter((name) => !this.topics.has(name))).size;
    if (added > 0 && this.topics.size + added > this.config.maxTopicNums) {
      throw new RangeError(
        `this broker keeps ${this.topics.size} topics and maxTopicNums is ${this.config.maxTopicNums}: delete topics no longer used, or raise maxTopicNums`,
      );
    }
    for (const config of configs) this.topics.set(config.topicName, config);
    this.changed();
  }

  delete(topic: string): boolean {
    const deleted = this.topics.delete(topic);
    if (deleted) this.changed();
    return deleted;
  }

  /**
   * A producer sends to a topic the broker lacks, naming the template it was routed by
   * (createTopicInSendMessageMethod): create it from the template when that allows it (INHERIT),
   * with min(the producer's count, the template's) queues.
   */
  createFromTemplate(topic: string, template: string, queueNums: number): TopicConfig | undefined {
    const existing = this.topics.get(topic);
    if (existing) return existing;
    const source = this.topics.get(template);
    if (!source || (source.perm & Perm.INHERIT) === 0) return undefined;
    const created = topicConfig(
      topic,
      Math.max(1, Math.min(queueNums, source.writeQueueNums)),
      source.perm & ~Perm.INHERIT,
    );
    this.update(created);
    return created;
  }

  /**
   * A slave replicated a message of a queue its topics lack (the master's topic is younger than
   * the last SlaveSynchronize, every 10 s): the topic gets that many queues for now, so that
   * consumers can read it from the slave if the master is lost before the next copy, which then
   * replaces it with the master's config.
   */
  noteReplicated(topic: string, queueId: number): void {
    const existing = this.topics.get(topic);
    if (existing && existing.readQueueNums > queueId) return;
    if (topicNameProblem(topic)) return;
    const queues = queueId + 1;
    try {
      this.update(
        existing ? { ...existing, readQueueNums: queues, writeQueueNums: queues } : topicConfig(topic, queues),
      );
    } catch (error) {
      this.report(
        `a replicated message of ${topic} cannot be served before the master's topics are copied: ${(error as Error).message}`,
      );
    }
  }

  /** A topic the broker makes for itself (%RETRY%group, %DLQ%group) when first needed. */
  createSystemTopic(topic: string, queueNums: number, perm: number = Perm.READ_WRITE): TopicConfig {
    const existing = this.topics.get(topic);
    if (existing) return existing;
    const created = topicConfig(topic, queueNums, perm);
    this.update(created);
    return created;
  }

  private changed(): void {
    this.dataVersion = { timestamp: Date.now(), counter: this.dataVersion.counter + 1 };
    this.persist();
    this.onChange();
  }

  persist(): void {
    const wrapper = this.wrapper();
    this.file.persist({ ...wrapper, topicConfigTable: { ...this.setAside, ...wrapper.topicConfigTable } });
  }
}
