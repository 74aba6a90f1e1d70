import { type CustomTransportStrategy, type MessageHandler, Server } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { MessageConst } from '@rocketnest/protocol';
import { PushConsumer, type ReceivedMessage } from '@rocketnest/client';
import { patternTopic, RocketMQContext, type RocketReply, type RocketTransportConnection } from './rocket-transport.js';

export interface ServerRocketMQOptions extends RocketTransportConnection {
  /** The consumer group of this service's handlers (default "rocketnest-microservice"). */
  group?: string | undefined;
  /** Where a new group starts reading each topic (default: the end). */
  consumeFrom?: 'first' | 'last' | undefined;
  /** Failures of an event handler before its message goes to the DLQ (default 16). */
  maxReconsumeTimes?: number | undefined;
}

/**
 * A Nest microservice transport over RocketMQ (`NestFactory.createMicroservice(App, { strategy:
 * new ServerRocketMQ({ namesrvAddr }) })`): every @EventPattern and @MessagePattern pattern is a
 * topic its group subscribes to. An event handler that throws gets the message again with
 * RocketMQ's back-off, then it is dead-lettered; a message handler's value (or its error) is sent
 * back with RocketMQ's request-reply to the ClientRocketMQ that asked.
 */
export class ServerRocketMQ extends Server implements CustomTransportStrategy {
  private consumer: PushConsumer | undefined;

  constructor(private readonly options: ServerRocketMQOptions) {
    super();
  }

  listen(callback: (error?: unknown) => void): void {
    this.start().then(
      () => callback(),
      (error: unknown) => callback(error),
    );
  }

  private async start(): Promise<void> {
    const consumer = new PushConsumer({
      namesrvAddr: this.options.namesrvAddr,
      credentials: this.options.credentials,
      tls: this.options.tls,
      consumerGroup: this.options.group ?? 'rocketnest-microservice',
      consumeFromWhere: this.options.consumeFrom === 'first' ? 'CONSUME_FROM_FIRST_OFFSET' : 'CONSUME_FROM_LAST_OFFSET',
      maxReconsumeTimes: this.options.maxReconsumeTimes,
      consumeMessageBatchMaxSize: 1,
    });
    for (const pattern of this.messageHandlers.keys()) consumer.subscribe(patternTopic(pattern), '*');
    consumer.onMessage(async ([message]) => {
      const handler = this.getHandlerByPattern(message!.topic);
      if (!handler) return; // a topic of another service's: nothing here to call
      await this.dispatch(handler, message!, consumer);
    });
    this.consumer = consumer;
    await consumer.start();
  }

  /** Call the handler; an event's failure retries the message, a request's is answered to its caller. */
  private async dispatch(handler: MessageHandler, message: ReceivedMessage, consumer: PushConsumer): Promise<void> {
    const data = JSON.parse(message.body.toString('utf8')) as unknown;
    const context = new RocketMQContext([message]);
    if (!message.properties[MessageConst.CORRELATION_ID] || handler.isEventHandler) {
      // Nest's exception filter turns a handler's error into an erroring observable: awaited here,
      // it fails the delivery, so RocketMQ gives the message back (and dead-letters it in the end).
      await lastValueFrom(this.transformToObservable(await handler(data, context)), { defaultValue: undefined });
      return;
    }
    let reply: RocketReply;
    try {
      reply = {
        response: await lastValueFrom(this.transformToObservable(await handler(data, context)), {
          defaultValue: undefined,
        }),
      };
    } catch (error) {
      reply = { err: error instanceof Error ? { message: error.message, name: error.name } : error };
    }
    await consumer.reply(message, JSON.stringify(reply));
  }

  async close(): Promise<void> {
    await this.consumer?.shutdown();
    this.consumer = undefined;
  }

  on(): never {
    throw new Error('RocketMQ transport: there are no status events to listen to');
  }

  unwrap<T>(): T {
    if (!this.consumer) throw new Error('RocketMQ transport: not listening yet');
    return this.consumer as T;
  }
}
