import { MessageProducer } from './message-producer.js';
import { DEFAULT_CLIENT } from './rocket.constants.js';
import { RocketConnection } from './rocket-connection.js';

/** The injection token of a client's MessageProducer: the class itself for the default client. */
export function getProducerToken(name: string = DEFAULT_CLIENT): string | typeof MessageProducer {
  return name === DEFAULT_CLIENT ? MessageProducer : `rocketnest:producer:${name}`;
}

/** The injection token of a client's RocketConnection: the class itself for the default client. */
export function getConnectionToken(name: string = DEFAULT_CLIENT): string | typeof RocketConnection {
  return name === DEFAULT_CLIENT ? RocketConnection : `rocketnest:connection:${name}`;
}
