import 'reflect-metadata';
import type { MessageQueue, SendResult } from '@rocketnest/client';
import type { ListenerOutcome } from './listener-outcome-policy.js';

export const ROCKET_EVENT = Symbol('rocketnest:event');

/** What each lifecycle event carries. */
export interface RocketEvents {
  /** A send the broker stored (send, sendOrderly, sendDelayed, sendBatch, sendInTransaction once committed or unknown). */
  sent: { client: string; topic: string; result: SendResult };
  /** A listener acknowledged a message. */
  consumed: ListenerOutcome;
  /** A listener failed a message, which will come again. */
  retried: ListenerOutcome;
  /** A message went to its group's dead-letter queue. */
  'dead-lettered': ListenerOutcome;
  /** A listener group's share of a topic's queues changed (a member came or went, queues were added). */
  rebalanced: { client: string; group: string; topic: string; queues: readonly MessageQueue[] };
}

export type RocketEventName = keyof RocketEvents;

/**
 * Call this method with each event of that name, of every client: `@OnRocketEvent('dead-lettered')
 * alert(outcome: ListenerOutcome)`. Called after the fact and awaited by nothing: a handler's
 * error is logged and changes nothing about the message. Many per class and per method.
 */
export function OnRocketEvent<Name extends RocketEventName>(
  event: Name,
): <Method extends (payload: RocketEvents[Name]) => unknown>(
  target: object,
  key: string | symbol,
  descriptor: TypedPropertyDescriptor<Method>,
) => TypedPropertyDescriptor<Method> {
  return (_target, _key, descriptor) => {
    const method = descriptor.value as object;
    const events: RocketEventName[] = Reflect.getMetadata(ROCKET_EVENT, method) ?? [];
    Reflect.defineMetadata(ROCKET_EVENT, [...events, event], method);
    return descriptor;
  };
}
