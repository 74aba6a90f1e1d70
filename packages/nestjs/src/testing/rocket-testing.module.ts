import { Injectable, Module, type DynamicModule } from '@nestjs/common';
import { MessageProducer, type RocketSendOptions } from '../message-producer.js';
import { RocketConnection, type ListenerOutcome } from '../rocket-connection.js';
import type { RocketModuleOptions } from '../rocket-module-options.js';
import { RocketModule } from '../rocket.module.js';
import { waitFor } from './wait-for.js';

/** 18 delay levels of 10 ms steps: retries in tests come back at once, in the same order as in production. */
const FAST_DELAY_LEVELS = Array.from({ length: 18 }, (_, i) => `${(i + 1) * 10}ms`).join(' ');

type Settled = 'acknowledged' | 'dead-lettered';

/** A message a test published, and what the listeners did with it. */
export class PublishedMessage {
  constructor(
    readonly msgId: string,
    /** The listeners (Class.method) its topic and tag go to. */
    readonly listeners: readonly string[],
    private readonly harness: RocketTestHarness,
  ) {}

  /** Every delivery so far, to any listener, oldest first. */
  get attempts(): ListenerOutcome[] {
    return this.harness.outcomesOf(this.msgId);
  }

  /** The outcome of the first delivery to the listener (or the only one): acknowledged, retried or dead-lettered. */
  async outcome(listener?: string, timeoutMs = 10_000): Promise<ListenerOutcome['outcome']> {
    const name = this.listenerNamed(listener);
    const first = await waitFor(
      () => this.attempts.find((attempt) => attempt.listener === name),
      `a delivery of ${this.msgId} to ${name}`,
      timeoutMs,
    );
    return first.outcome;
  }

  /**
   * What the listener (or the only one) finally did, after any retries: acknowledged or
   * dead-lettered. Where several listeners get the message, name one, or use settledAll().
   */
  async settled(listener?: string, timeoutMs = 10_000): Promise<Settled> {
    const name = this.listenerNamed(listener);
    const last = await waitFor(
      () => this.attempts.find((attempt) => attempt.listener === name && attempt.outcome !== 'retried'),
      `${this.msgId} to be acknowledged or dead-lettered by ${name}`,
      timeoutMs,
    );
    return last.outcome as Settled;
  }

  /** What every listener of the message finally did, by listener. */
  async settledAll(timeoutMs = 10_000): Promise<Record<string, Settled>> {
    const outcomes = await Promise.all(this.listeners.map((name) => this.settled(name, timeoutMs)));
    return Object.fromEntries(this.listeners.map((name, i) => [name, outcomes[i]!]));
  }

  private listenerNamed(listener: string | undefined): string {
    if (listener !== undefined) {
      if (!this.listeners.includes(listener)) {
        throw new Error(
          `${listener} does not get ${this.msgId}; its listeners are ${this.listeners.join(', ') || 'none'}`,
        );
      }
      return listener;
    }
    if (this.listeners.length === 1) return this.listeners[0]!;
    throw new Error(
      this.listeners.length === 0
        ? `no listener gets ${this.msgId}: check its topic and tag`
        : `${this.msgId} goes to ${this.listeners.join(' and ')}: name one, as settled('${this.listeners[0]}'), or use settledAll()`,
    );
  }
}

/** Publish to listeners and await what they did. */
@Injectable()
export class RocketTestHarness {
  private readonly outcomes = new Map<string, ListenerOutcome[]>();

  constructor(
    private readonly producer: MessageProducer,
    private readonly connection: RocketConnection,
  ) {
    connection.onOutcome((outcome) => {
      this.outcomes.set(outcome.msgId, [...(this.outcomes.get(outcome.msgId) ?? []), outcome]);
    });
  }

  async publish(topic: string, payload: unknown, options: RocketSendOptions = {}): Promise<PublishedMessage> {
    const sent = await this.producer.send(topic, payload, options);
    return new PublishedMessage(sent.msgId, this.connection.listenersFor(topic, options.tags), this);
  }

  outcomesOf(msgId: string): ListenerOutcome[] {
    return [...(this.outcomes.get(msgId) ?? [])];
  }
}

/**
 * RocketModule for tests: an in-memory embedded broker on free ports with retry delays of
 * milliseconds, and a RocketTestHarness. Listeners start from the first message of their topics.
 */
@Module({})
export class RocketTestingModule {
  static forRoot(options: RocketModuleOptions = {}): DynamicModule {
    return {
      module: RocketTestingModule,
      global: true,
      imports: [
        RocketModule.forRoot({
          ...options,
          namesrvAddr: undefined,
          embedded: {
            ...options.embedded,
            inMemory: true,
            store: { messageDelayLevel: FAST_DELAY_LEVELS, ...options.embedded?.store },
          },
          isGlobal: true,
        }),
      ],
      providers: [RocketTestHarness],
      exports: [RocketTestHarness],
    };
  }
}
