import { Inject } from '@nestjs/common';
import { MessageProducer } from './message-producer.js';

/** Inject the module's MessageProducer: `@RocketProducer() private readonly producer: MessageProducer`. */
export function RocketProducer(): PropertyDecorator & ParameterDecorator {
  return Inject(MessageProducer);
}
