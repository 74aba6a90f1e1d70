import { createResponse, ResponseCode, type RemotingCommand } from '@rocketnest/protocol';
import type { BrokerContext } from '../broker-context.js';

/**
 * A slave's CommitLog is a copy of its master's, byte for byte: nothing may be written to it but
 * what replication brings. Requests that would store a message are answered SERVICE_NOT_AVAILABLE
 * there, as RocketMQ's store answers a put on a slave.
 */
export function refusedOnSlave(broker: BrokerContext, request: RemotingCommand): RemotingCommand | undefined {
  if (broker.config.brokerRole !== 'SLAVE') return undefined;
  return createResponse(request, ResponseCode.SERVICE_NOT_AVAILABLE, {
    remark: `the broker[${broker.config.brokerName}] is a slave and stores no messages of its own: send them to its master`,
  });
}
