import type { RemotingConnection } from '@rocketnest/remoting';
import type { ClientChannel } from './consumer-manager.js';

/** ProducerManager: producer groups and their live connections (for transaction checks and replies). */
export class ProducerManager {
  private readonly groups = new Map<string, Map<RemotingConnection, ClientChannel>>();

  register(groupName: string, channel: ClientChannel): void {
    let channels = this.groups.get(groupName);
    if (!channels) this.groups.set(groupName, (channels = new Map()));
    channels.set(channel.connection, channel);
  }

  unregister(groupName: string, connection: RemotingConnection): void {
    const channels = this.groups.get(groupName);
    channels?.delete(connection);
    if (channels?.size === 0) this.groups.delete(groupName);
  }

  connectionClosed(connection: RemotingConnection): void {
    for (const groupName of [...this.groups.keys()]) this.unregister(groupName, connection);
  }

  expired(now: number, timeoutMs: number): RemotingConnection[] {
    return [...this.groups.values()]
      .flatMap((channels) => [...channels.values()])
      .filter((channel) => now - channel.lastUpdateTimestamp > timeoutMs)
      .map((channel) => channel.connection);
  }

  /** The connection of a client (by client id) that registered as a producer of any group. */
  findChannel(clientId: string): ClientChannel | undefined {
    for (const channels of this.groups.values()) {
      for (const channel of channels.values()) if (channel.clientId === clientId) return channel;
    }
    return undefined;
  }

  /** Every producer group with its live connections. */
  all(): [string, ClientChannel[]][] {
    return [...this.groups].map(([groupName, channels]) => [groupName, [...channels.values()]]);
  }

  channels(groupName: string): ClientChannel[] {
    return [...(this.groups.get(groupName)?.values() ?? [])];
  }
}
