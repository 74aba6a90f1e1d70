import type { Logger } from '@rocketnest/common';
import {
  createRequest,
  decodeJsonBody,
  RequestCode,
  ResponseCode,
  type TopicConfigSerializeWrapper,
} from '@rocketnest/protocol';
import type { RemotingClient } from '@rocketnest/remoting';
import type { ConsumerOffsetManager } from './consumer-offset-manager.js';
import type { ScheduleMessageService } from './schedule/schedule-message-service.js';
import type { SubscriptionGroupConfig, SubscriptionGroupManager } from './subscription-group-manager.js';
import type { TopicConfigManager } from './topic-config-manager.js';

/**
 * A slave's copy of its master's metadata (SlaveSynchronize): topic configs, consumer offsets,
 * delay level offsets and consumer groups, fetched over the master's remoting port and written in
 * place of the slave's own, so that a consumer reading from the slave, or the slave taking over,
 * finds them as the master had them. The master's address comes from the NameServer's answer to
 * the slave's registration.
 */
export class SlaveSynchronize {
  /** The master's remoting address, once a NameServer has told it. */
  masterAddr: string | undefined;

  constructor(
    private readonly client: RemotingClient,
    private readonly tables: {
      readonly topics: TopicConfigManager;
      readonly offsets: ConsumerOffsetManager;
      readonly groups: SubscriptionGroupManager;
      readonly schedule: ScheduleMessageService;
    },
    private readonly logger: Logger,
  ) {}

  /** Copy every table from the master; a table it does not answer keeps the slave's copy. */
  async syncAll(): Promise<void> {
    const master = this.masterAddr;
    if (!master) return;
    const { topics, offsets, groups, schedule } = this.tables;
    await this.sync(master, RequestCode.GET_ALL_TOPIC_CONFIG, 'TopicConfigSerializeWrapper', (body) =>
      topics.replaceAll(body as TopicConfigSerializeWrapper),
    );
    await this.sync(master, RequestCode.GET_ALL_CONSUMER_OFFSET, 'ConsumerOffsetSerializeWrapper', (body) =>
      offsets.replaceAll((body as { offsetTable?: Record<string, Record<string, number>> }).offsetTable),
    );
    await this.sync(master, RequestCode.GET_ALL_DELAY_OFFSET, 'DelayOffsetSerializeWrapper', (body) =>
      schedule.replaceTable(body as { offsetTable: Record<string, number> }),
    );
    await this.sync(master, RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG, 'SubscriptionGroupWrapper', (body) =>
      groups.replaceAll(
        (body as { subscriptionGroupTable?: Record<string, SubscriptionGroupConfig> }).subscriptionGroupTable,
      ),
    );
  }

  private async sync(master: string, code: number, what: string, apply: (body: unknown) => void): Promise<void> {
    try {
      const response = await this.client.invoke(master, createRequest(code), { timeoutMs: 3000 });
      if (response.code !== ResponseCode.SUCCESS) throw new Error(`${response.code} ${response.remark ?? ''}`);
      apply(decodeJsonBody<unknown>(response.body, what));
    } catch (error) {
      this.logger.warn(`copying ${what} from the master ${master} failed: ${(error as Error).message}`);
    }
  }
}
