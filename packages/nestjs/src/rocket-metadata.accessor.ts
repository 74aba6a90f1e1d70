import { Injectable, type Type } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ROCKET_EVENT, type RocketEventName } from './rocket-event.decorator.js';
import { ROCKET_LISTENER, type RocketListenerMetadata } from './rocket-listener.decorator.js';
import { ROCKET_TRANSACTIONAL_HANDLER, type TransactionalHandlerOptions } from './transactional-handler.decorator.js';

/** Reads what the module's decorators recorded (as @nestjs/bullmq's BullMetadataAccessor does). */
@Injectable()
export class RocketMetadataAccessor {
  constructor(private readonly reflector: Reflector) {}

  /** The @RocketListener declarations of a method, or undefined when it has none. */
  listeners(method: object): RocketListenerMetadata[] | undefined {
    return this.reflector.get<RocketListenerMetadata[] | undefined>(ROCKET_LISTENER, method as Type);
  }

  /** The @OnRocketEvent events a method handles, or undefined when it has none. */
  events(method: object): RocketEventName[] | undefined {
    return this.reflector.get<RocketEventName[] | undefined>(ROCKET_EVENT, method as Type);
  }

  /** The @TransactionalHandler options of a class, or undefined when it is not one. */
  transactionalHandler(metatype: Type): TransactionalHandlerOptions | undefined {
    return this.reflector.get<TransactionalHandlerOptions | undefined>(ROCKET_TRANSACTIONAL_HANDLER, metatype);
  }
}
