import { BaseRpcContext } from '@nestjs/microservices';
import type { ClientOptions, ReceivedMessage } from '@rocketnest/client';
import { topicNameProblem } from '@rocketnest/protocol';

/** Where the transport's clients connect: the cluster, and the account and TLS of the module's options. */
export type RocketTransportConnection = Pick<ClientOptions, 'namesrvAddr' | 'credentials' | 'tls'>;

/** The context of an @EventPattern / @MessagePattern handler called over RocketMQ: the message itself. */
export class RocketMQContext extends BaseRpcContext<[ReceivedMessage]> {
  getMessage(): ReceivedMessage {
    return this.args[0];
  }
}

/**
 * A pattern is the topic its messages travel on, so it must be a topic name (object patterns
 * such as { cmd: 'sum' } are not: say which topic instead).
 */
export function patternTopic(pattern: string): string {
  const problem = topicNameProblem(pattern);
  if (problem) {
    throw new Error(
      `RocketMQ transport: the pattern ${pattern} must be a topic name (${problem}); use the topic as the pattern`,
    );
  }
  return pattern;
}

/** What travels back to ClientRocketMQ.send: the handler's last value or its error. */
export interface RocketReply {
  response?: unknown;
  err?: unknown;
}
