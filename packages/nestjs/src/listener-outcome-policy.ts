import { HttpException, type Logger } from '@nestjs/common';
import type { ConsumeContext, ReceivedMessage } from '@rocketnest/client';
import { MessageConst } from '@rocketnest/protocol';
import { DeadLetterOutcome, NonRetriableError, RetryOutcome } from './outcomes.js';
import { ListenerMetrics } from './listener-metrics.js';
import { tracedProcess } from './tracing.js';
import type { ResolvedListenerOptions } from './rocket-listener.decorator.js';

/** A listener method found at boot, bound to its instance, with its options resolved. */
export interface ListenerRegistration {
  /** Class.method, for logs. */
  name: string;
  topic: string;
  tag: string;
  options: ResolvedListenerOptions;
  handle(payload: unknown, message: ReceivedMessage | ReceivedMessage[], context: ConsumeContext): unknown;
}

/** What became of one delivery of a message to one listener. */
export interface ListenerOutcome {
  listener: string;
  group: string;
  msgId: string;
  reconsumeTimes: number;
  /** When the listener finished with it (ms since the epoch). */
  at: number;
  /** acknowledged; retried (it will come again); dead-lettered (it went to the group's DLQ). */
  outcome: 'acknowledged' | 'retried' | 'dead-lettered';
  reason?: string | undefined;
}

/**
 * What a listener's result means for its messages: a value acknowledges (and is the reply to a
 * request); Retry.after(ms) retries after exactly that; DeadLetter(reason), a NonRetriableError,
 * an error of the listener's nonRetriable classes or a payload that fails validation go to the
 * DLQ with the reason logged; any other error retries with the broker's back-off. Every outcome
 * is told to those who asked (RocketTestHarness).
 */
export class ListenerOutcomePolicy {
  private readonly outcomeListeners: ((outcome: ListenerOutcome) => void)[] = [];

  constructor(
    private readonly logger: Logger,
    /** Answer a request message with the listener's value. */
    private readonly reply: (group: string, request: ReceivedMessage, body: Buffer | string) => Promise<void>,
    private readonly metrics: ListenerMetrics = new ListenerMetrics(),
  ) {}

  onOutcome(listener: (outcome: ListenerOutcome) => void): void {
    this.outcomeListeners.push(listener);
  }

  /** Call one listener with its messages, in a tracing span, and read its outcome. */
  run(
    handler: ListenerRegistration,
    messages: ReceivedMessage[],
    context: ConsumeContext,
  ): Promise<'CONSUME_SUCCESS' | 'RECONSUME_LATER'> {
    let last: Pick<ListenerOutcome, 'outcome' | 'reason'> = { outcome: 'acknowledged' };
    const started = performance.now();
    const timed = async () => {
      const status = await this.attempt(handler, messages, context, (outcome) => (last = outcome));
      const outcome = { listener: handler.name, group: handler.options.group, outcome: last.outcome };
      this.metrics.record(messages[0]!.topic, outcome, messages.length, (performance.now() - started) / 1000);
      return status;
    };
    return tracedProcess(handler.name, handler.options.group, messages[0]!, timed, () => ({
      name: last.outcome,
      error: last.outcome === 'acknowledged' ? undefined : (last.reason ?? last.outcome),
    }));
  }

  private async attempt(
    handler: ListenerRegistration,
    messages: ReceivedMessage[],
    context: ConsumeContext,
    reported: (outcome: Pick<ListenerOutcome, 'outcome' | 'reason'>) => void,
  ): Promise<'CONSUME_SUCCESS' | 'RECONSUME_LATER'> {
    const { options } = handler;
    const message = messages[0]!;
    const where = `${handler.name} on ${message.topic} message ${messages.map((m) => m.msgId).join(', ')}`;
    const report = (outcome: ListenerOutcome['outcome'], reason?: string) => {
      reported({ outcome, reason });
      for (const each of messages) {
        const event = {
          listener: handler.name,
          group: options.group,
          msgId: each.msgId,
          reconsumeTimes: each.reconsumeTimes,
          at: Date.now(),
          outcome,
          reason,
        };
        for (const listener of this.outcomeListeners) listener(event);
      }
    };
    // A failure at the last allowed attempt sends the message to the DLQ (concurrent listeners).
    const lastAttempt = !options.orderly && message.reconsumeTimes >= (options.maxReconsumeTimes ?? 16);
    const failed = (reason: string, deadLetter: boolean): 'RECONSUME_LATER' => {
      if (deadLetter) context.delayLevelWhenNextConsume = -1;
      report(deadLetter || lastAttempt ? 'dead-lettered' : 'retried', reason);
      return 'RECONSUME_LATER';
    };
    let result: unknown;
    try {
      result = options.batchSize
        ? await handler.handle(
            messages.map((each) => options.serializer.deserialize(each.body)),
            messages,
            context,
          )
        : await handler.handle(options.serializer.deserialize(message.body), message, context);
    } catch (error) {
      const reason = describeError(error);
      if (isNonRetriable(error, options.nonRetriable)) {
        this.logger.warn(`${where}: ${reason}: not retriable, moved to the dead-letter queue`);
        return failed(reason, true);
      }
      this.logger.warn(`${where} failed (attempt ${message.reconsumeTimes + 1}): ${reason}`);
      if (options.retryDelayMs !== undefined) context.retryAfterMs = options.retryDelayMs;
      return failed(reason, false);
    }
    if (result instanceof RetryOutcome) {
      context.retryAfterMs = result.delayMs;
      return failed(`retry after ${result.delayMs} ms`, false);
    }
    if (result instanceof DeadLetterOutcome) {
      this.logger.warn(`${where}: ${result.reason}: moved to the dead-letter queue`);
      return failed(result.reason, true);
    }
    if (result !== undefined && message.properties[MessageConst.CORRELATION_ID]) {
      await this.reply(options.group, message, options.serializer.serialize(result));
    }
    report('acknowledged');
    return 'CONSUME_SUCCESS';
  }
}

/** Validation failures (HTTP 400 from a pipe) and declared classes are not worth retrying. */
function isNonRetriable(error: unknown, classes: readonly (abstract new (...args: never[]) => Error)[]): boolean {
  if (error instanceof NonRetriableError) return true;
  if (error instanceof HttpException && error.getStatus() === 400) return true;
  return classes.some((errorClass) => error instanceof errorClass);
}

/** An error as a log line or DLQ reason: an HTTP exception's message(s), else its message. */
export function describeError(error: unknown): string {
  if (error instanceof HttpException) {
    const response = error.getResponse();
    const detail =
      typeof response === 'object' && response && 'message' in response
        ? (response as { message: unknown }).message
        : response;
    return Array.isArray(detail) ? detail.join('; ') : String(detail);
  }
  return error instanceof Error ? error.message : String(error);
}
