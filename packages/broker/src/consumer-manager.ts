import type { ConsumerData, ConsumeType, MessageModel, SubscriptionData } from '@rocketnest/protocol';
import type { RemotingConnection } from '@rocketnest/remoting';

/** A client's connection as the broker tracks it (ClientChannelInfo). */
export interface ClientChannel {
  connection: RemotingConnection;
  clientId: string;
  language: string;
  version: number;
  lastUpdateTimestamp: number;
}

/** ConsumerGroupInfo: a group's members and subscriptions. */
export interface ConsumerGroup {
  groupName: string;
  consumeType: ConsumeType;
  messageModel: MessageModel;
  consumeFromWhere: string;
  channels: Map<RemotingConnection, ClientChannel>;
  subscriptions: Map<string, SubscriptionData>;
}

/**
 * ConsumerManager: consumer groups by name, their live connections and subscriptions. A change
 * of members or subscriptions is reported through onGroupChanged (the broker then sends
 * NOTIFY_CONSUMER_IDS_CHANGED to the group).
 */
export class ConsumerManager {
  private readonly groups = new Map<string, ConsumerGroup>();

  constructor(private readonly onGroupChanged: (group: ConsumerGroup) => void) {}

  /** Register a heartbeat's consumer data; returns whether membership or subscriptions changed. */
  register(data: ConsumerData, channel: ClientChannel): boolean {
    let group = this.groups.get(data.groupName);
    if (!group) {
      group = {
        groupName: data.groupName,
        consumeType: data.consumeType,
        messageModel: data.messageModel,
        consumeFromWhere: data.consumeFromWhere,
        channels: new Map(),
        subscriptions: new Map(),
      };
      this.groups.set(data.groupName, group);
    }
    group.consumeType = data.consumeType;
    group.messageModel = data.messageModel;
    group.consumeFromWhere = data.consumeFromWhere;
    const known = group.channels.get(channel.connection);
    const membersChanged = !known || known.clientId !== channel.clientId;
    group.channels.set(channel.connection, channel);
    const subscriptionsChanged = updateSubscriptions(group, data.subscriptionDataSet ?? []);
    const changed = membersChanged || subscriptionsChanged;
    if (changed) this.onGroupChanged(group);
    return changed;
  }

  /** Remove a connection from a group (UNREGISTER_CLIENT). */
  unregister(groupName: string, connection: RemotingConnection): void {
    const group = this.groups.get(groupName);
    if (!group || !group.channels.delete(connection)) return;
    this.afterRemoval(group);
  }

  /** A connection closed or expired: it leaves every group. */
  connectionClosed(connection: RemotingConnection): void {
    for (const group of [...this.groups.values()]) if (group.channels.delete(connection)) this.afterRemoval(group);
  }

  private afterRemoval(group: ConsumerGroup): void {
    if (group.channels.size === 0) this.groups.delete(group.groupName);
    else this.onGroupChanged(group);
  }

  /** Connections whose last heartbeat is older than timeoutMs. */
  expired(now: number, timeoutMs: number): RemotingConnection[] {
    const stale = new Set<RemotingConnection>();
    for (const group of this.groups.values()) {
      for (const channel of group.channels.values())
        if (now - channel.lastUpdateTimestamp > timeoutMs) stale.add(channel.connection);
    }
    return [...stale];
  }

  get(groupName: string): ConsumerGroup | undefined {
    return this.groups.get(groupName);
  }

  all(): ConsumerGroup[] {
    return [...this.groups.values()];
  }

  /** Groups with a member subscribed to a topic. */
  groupsOfTopic(topic: string): string[] {
    return this.all()
      .filter((group) => group.subscriptions.has(topic))
      .map((group) => group.groupName);
  }
}

/** Newer subscriptions replace older ones; topics missing from the heartbeat are dropped. */
function updateSubscriptions(group: ConsumerGroup, subscriptions: SubscriptionData[]): boolean {
  let changed = false;
  const topics = new Set<string>();
  for (const subscription of subscriptions) {
    topics.add(subscription.topic);
    const known = group.subscriptions.get(subscription.topic);
    if (!known || subscription.subVersion > known.subVersion) {
      if (!known || known.subString !== subscription.subString) changed = true;
      group.subscriptions.set(subscription.topic, subscription);
    }
  }
  for (const topic of [...group.subscriptions.keys()]) {
    if (!topics.has(topic)) {
      group.subscriptions.delete(topic);
      changed = true;
    }
  }
  return changed;
}
