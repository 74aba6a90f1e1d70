import { Inject } from '@nestjs/common';
import { getProducerToken } from './rocket.tokens.js';

/**
 * Inject a client's MessageProducer: `@RocketProducer() private readonly producer: MessageProducer`,
 * or `@RocketProducer('audit')` for the client of RocketModule.forRoot({ name: 'audit', ... }).
 */
export function RocketProducer(name?: string): PropertyDecorator & ParameterDecorator {
  return Inject(getProducerToken(name));
}
