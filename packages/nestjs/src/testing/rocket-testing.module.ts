import { Injectable, Module, type DynamicModule } from '@nestjs/common';
import { MessageProducer, type RocketSendOptions } from '../message-producer.js';
import { RocketConnection, type ListenerOutcome } from '../rocket-connection.js';
import type { RocketModuleOptions } from '../rocket-module-options.js';
import { RocketModule } from '../rocket.module.js';
import { waitFor } from './wait-for.js';

/** 18 delay levels of 10 ms steps: retries in tests come back at once, in the same order as in production. */
const FAST_DELAY_LEVELS = Array.from({ length: 18 }, (_, i) => `${(i + 1) * 10}ms`).join(' ');

/** A message a test published, and what the listeners did with it. */
export class PublishedMessage {
  constructor(
    readonly msgId: string,
    private readonly harness: RocketTestHarness,
  ) {}

  /** Every delivery so far, oldest first. */
  get attempts(): ListenerOutcome[] {
    return this.harness.outcomesOf(this.msgId);
  }

  /** The outcome of the first delivery: acknowledged, retried or dead-lettered. */
  async outcome(timeoutMs = 10_000): Promise<ListenerOutcome['outcome']> {
    return (await waitFor(() => this.attempts[0], `a delivery of ${this.msgId}`, timeoutMs)).outcome;
  }

  /** The final outcome, after any retries: acknowledged or dead-lettered. */
  async settled(timeoutMs = 10_000): Promise<'acknowledged' | 'dead-lettered'> {
    const last = await waitFor(
      () => this.attempts.find((attempt) => attempt.outcome !== 'retried'),
      `${this.msgId} to be acknowledged or dead-lettered`,
      timeoutMs,
    );
    return last.outcome as 'acknowledged' | 'dead-lettered';
  }
}

/** Publish to listeners and await what they did. */
@Injectable()
export class RocketTestHarness {
  private readonly outcomes = new Map<string, ListenerOutcome[]>();

  constructor(
    private readonly producer: MessageProducer,
    connection: RocketConnection,
  ) {
    connection.onOutcome((outcome) => {
      this.outcomes.set(outcome.msgId, [...(this.outcomes.get(outcome.msgId) ?? []), outcome]);
    });
  }

  async publish(topic: string, payload: unknown, options: RocketSendOptions = {}): Promise<PublishedMessage> {
    const sent = await this.producer.send(topic, payload, options);
    return new PublishedMessage(sent.msgId, this);
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
