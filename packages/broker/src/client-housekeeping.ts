import type { Logger } from '@rocketnest/common';
import type { RemotingConnection } from '@rocketnest/remoting';
import type { BrokerConfig } from './broker-config.js';
import type { ConsumerManager } from './consumer-manager.js';
import type { ProducerManager } from './producer-manager.js';

/**
 * Forgets clients whose connection closed, and closes the connections of clients that stopped
 * heartbeating for channelExpiredTimeout (ClientHousekeepingService).
 */
export class ClientHousekeeping {
  constructor(
    private readonly config: BrokerConfig,
    private readonly consumers: ConsumerManager,
    private readonly producers: ProducerManager,
    private readonly logger: Logger,
  ) {}

  connectionClosed(connection: RemotingConnection): void {
    this.consumers.connectionClosed(connection);
    this.producers.connectionClosed(connection);
  }

  expireClients(): void {
    const now = Date.now();
    const timeout = this.config.channelExpiredTimeout;
    for (const connection of new Set([
      ...this.consumers.expired(now, timeout),
      ...this.producers.expired(now, timeout),
    ])) {
      this.logger.warn(
        `client at ${connection.remoteAddress} sent no heartbeat for ${timeout} ms: closing its connection`,
      );
      this.connectionClosed(connection);
      connection.close();
    }
  }
}
