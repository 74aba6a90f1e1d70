import 'reflect-metadata';
import type { RocketSerializer } from './serializer.js';

export const ROCKET_LISTENER = Symbol('rocketnest:listener');

export interface RocketListenerOptions {
  /** The client (RocketModule.forRoot's name) whose cluster this listener reads (default: the unnamed one). */
  client?: string;
  /** Consumer group (default: the module's group). Listeners of one group share its subscriptions. */
  group?: string;
  /** One queue's messages in order, one at a time (messages sent with the same sharding key). */
  orderly?: boolean;
  /** An SQL92 selector on properties instead of a tag (the broker needs enablePropertyFilter). */
  sql?: string;
  /** Every member of the group gets every message. */
  broadcasting?: boolean;
  /** Where a new group starts (default: the end of each queue). */
  consumeFrom?: 'first' | 'last' | Date;
  /** Handler calls in flight at once (default 20; orderly: per queue, one). */
  concurrency?: number;
  /** Call the handler with arrays of up to this many payloads (and messages); one outcome for all. */
  batchSize?: number;
  /** A thrown error retries after exactly this long instead of the broker's back-off (10 s, 30 s, 1 min ...). */
  retryDelayMs?: number;
  /** Failures before the message goes to %DLQ%{group} (default 16). */
  maxReconsumeTimes?: number;
  /** How this listener's bodies are read (default: the module's serializer). */
  serializer?: RocketSerializer;
  /** Validate a class-typed payload with class-validator (default true); a failure dead-letters the message. */
  validate?: boolean;
  /** Errors retrying cannot fix: the message goes straight to the DLQ (NonRetriableError and validation failures always do). */
  nonRetriable?: (abstract new (...args: never[]) => Error)[];
}

/**
 * A listener's options with the defaults applied, resolved once at boot from the decorator's
 * options and the module's; every later step (consumer settings, outcome policy, validation)
 * reads these. A new option without a default needs no edit here.
 */
export type ResolvedListenerOptions = Omit<
  RocketListenerOptions,
  'group' | 'orderly' | 'broadcasting' | 'consumeFrom' | 'serializer' | 'validate' | 'nonRetriable'
> &
  Required<
    Pick<
      RocketListenerOptions,
      'group' | 'orderly' | 'broadcasting' | 'consumeFrom' | 'serializer' | 'validate' | 'nonRetriable'
    >
  >;

export function resolveListenerOptions(
  options: RocketListenerOptions,
  module: { group: string; serializer: RocketSerializer },
): ResolvedListenerOptions {
  return {
    ...options,
    group: options.group ?? module.group,
    orderly: options.orderly ?? false,
    broadcasting: options.broadcasting ?? false,
    consumeFrom: options.consumeFrom ?? 'last',
    serializer: options.serializer ?? module.serializer,
    validate: options.validate ?? true,
    nonRetriable: options.nonRetriable ?? [],
  };
}

/** What a decorated method registers: its topic, tag and options. */
export interface RocketListenerMetadata {
  topic: string;
  tag: string;
  options: RocketListenerOptions;
}

/**
 * A method decorator that, given a payload type, accepts only methods taking that payload first
 * (`@RocketListener<OrderEvent>('OrderEvents')` on `record(event: OrderEvent, ...)`).
 */
export type RocketListenerDecorator<Payload> = <Method extends (payload: Payload, ...rest: never[]) => unknown>(
  target: object,
  key: string | symbol,
  descriptor: TypedPropertyDescriptor<Method>,
) => TypedPropertyDescriptor<Method>;

/**
 * Call this method for each message of a topic (and tag: '*' for all, 'A || B' for several),
 * with the payload (JSON-decoded) and the message. Returning acknowledges; throwing gives the
 * message back to the broker, which redelivers it with back-off and after maxReconsumeTimes moves
 * it to the dead-letter queue. Many per class and per method; no class decorator needed. The type
 * argument, when given, is the payload's type (an array of them with batchSize), checked against the method.
 */
// `any` by default, as Nest's own decorators: an untyped listener may take whatever it declares.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function RocketListener<Payload = any>(
  topic: string,
  tag = '*',
  options: RocketListenerOptions = {},
): RocketListenerDecorator<Payload> {
  return (_target, _key, descriptor) => {
    const method = descriptor.value as object;
    const listeners: RocketListenerMetadata[] = Reflect.getMetadata(ROCKET_LISTENER, method) ?? [];
    Reflect.defineMetadata(ROCKET_LISTENER, [...listeners, { topic, tag, options }], method);
    return descriptor;
  };
}
