import { join } from 'node:path';
import { groupNameProblem } from '@rocketnest/protocol';
import { ConfigFile, splitByName } from './config-file.js';

/** SubscriptionGroupConfig: what a consumer group may do (the fields the broker uses). */
export interface SubscriptionGroupConfig {
  groupName: string;
  consumeEnable: boolean;
  consumeFromMinEnable: boolean;
  consumeBroadcastEnable: boolean;
  retryQueueNums: number;
  retryMaxTimes: number;
  brokerId: number;
  whichBrokerWhenConsumeSlowly: number;
  notifyConsumerIdsChangedEnable: boolean;
  /** RocketMQ 5: the group consumes in order (its v5 clients are FIFO consumers). */
  consumeMessageOrderly: boolean;
}

interface GroupFile {
  subscriptionGroupTable: Record<string, SubscriptionGroupConfig>;
}

export function subscriptionGroupConfig(groupName: string): SubscriptionGroupConfig {
  return {
    groupName,
    consumeEnable: true,
    consumeFromMinEnable: true,
    consumeBroadcastEnable: true,
    retryQueueNums: 1,
    retryMaxTimes: 16,
    brokerId: 0,
    whichBrokerWhenConsumeSlowly: 1,
    notifyConsumerIdsChangedEnable: true,
    consumeMessageOrderly: false,
  };
}

/** SubscriptionGroupManager: consumer group configs, created on first use when allowed, in config/subscriptionGroup.json. */
export class SubscriptionGroupManager {
  private readonly groups = new Map<string, SubscriptionGroupConfig>();
  private readonly file: ConfigFile<GroupFile>;
  /** Entries of subscriptionGroup.json whose names break the rules: kept in the file, never used. */
  private setAside: Record<string, SubscriptionGroupConfig> = {};

  constructor(
    storePathRootDir: string,
    private readonly limits: {
      readonly autoCreateSubscriptionGroup: boolean;
      readonly maxSubscriptionGroupNums: number;
    },
    private readonly report: (message: string) => void = () => {},
  ) {
    this.file = new ConfigFile(
      join(storePathRootDir, 'config', 'subscriptionGroup.json'),
      'the consumer group configs',
    );
  }

  load(): void {
    const stored = this.file.load()?.subscriptionGroupTable;
    const { valid, setAside } = splitByName(stored, groupNameProblem, this.report, this.file.path);
    this.setAside = setAside;
    this.putStored(valid);
  }

  /** Take a master's groups in place of these (SlaveSynchronize); entries with bad names are skipped. */
  replaceAll(table: Record<string, SubscriptionGroupConfig> | undefined): void {
    const { valid } = splitByName(table, groupNameProblem, this.report, "the master's consumer group configs");
    this.groups.clear();
    this.putStored(valid);
    this.persist();
  }

  /** Stored configs, completed with the defaults of fields they lack. */
  private putStored(entries: readonly [string, SubscriptionGroupConfig][]): void {
    for (const [name, config] of entries) {
      this.groups.set(name, { ...subscriptionGroupConfig(name), ...config, groupName: name });
    }
  }

  /** The group's config, created with defaults when auto-creation allows it. */
  find(group: string): SubscriptionGroupConfig | undefined {
    const existing = this.groups.get(group);
    if (existing || !this.limits.autoCreateSubscriptionGroup) return existing;
    const created = subscriptionGroupConfig(group);
    this.update(created);
    return created;
  }

  all(): SubscriptionGroupConfig[] {
    return [...this.groups.values()];
  }

  /** Create or replace a group; a new one beyond maxSubscriptionGroupNums throws, saying so. */
  update(config: SubscriptionGroupConfig): void {
    const most = this.limits.maxSubscriptionGroupNums;
    if (!this.groups.has(config.groupName) && this.groups.size >= most) {
      throw new RangeError(
        `consumer group ${config.groupName} is refused: this broker keeps ${this.groups.size} groups and maxSubscriptionGroupNums is ${most}; delete groups no longer used, or raise maxSubscriptionGroupNums`,
      );
    }
    this.groups.set(config.groupName, config);
    this.persist();
  }

  delete(group: string): void {
    if (this.groups.delete(group)) this.persist();
  }

  private persist(): void {
    this.file.persist({ subscriptionGroupTable: { ...this.setAside, ...Object.fromEntries(this.groups) } });
  }
}
