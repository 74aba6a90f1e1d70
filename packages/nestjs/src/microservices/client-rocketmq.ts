import { ClientProxy, type ReadPacket, type WritePacket } from '@nestjs/microservices';
import { Producer } from '@rocketnest/client';
import { patternTopic, type RocketReply, type RocketTransportConnection } from './rocket-transport.js';

export interface ClientRocketMQOptions extends RocketTransportConnection {
  /** The producer group (default "rocketnest-microservice-client"). */
  group?: string | undefined;
  /** How long send() waits for the handler's reply (default 3 s). */
  replyTimeoutMs?: number | undefined;
}

/**
 * A Nest ClientProxy over RocketMQ: `emit(topic, data)` sends an event to the topic; `send(topic,
 * data)` sends a request there and emits the @MessagePattern handler's reply (RocketMQ's
 * request-reply), or errors with the handler's error.
 */
export class ClientRocketMQ extends ClientProxy {
  private producer: Promise<Producer> | undefined;

  constructor(private readonly options: ClientRocketMQOptions) {
    super();
  }

  connect(): Promise<Producer> {
    this.producer ??= (async () => {
      const producer = new Producer({
        namesrvAddr: this.options.namesrvAddr,
        credentials: this.options.credentials,
        tls: this.options.tls,
        producerGroup: this.options.group ?? 'rocketnest-microservice-client',
      });
      await producer.start();
      return producer;
    })();
    return this.producer;
  }

  async close(): Promise<void> {
    const producer = await this.producer?.catch(() => undefined);
    this.producer = undefined;
    await producer?.shutdown();
  }

  protected publish(packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    const request = async () => {
      const producer = await this.connect();
      const reply = await producer.request(
        { topic: patternTopic(this.normalizePattern(packet.pattern)), body: JSON.stringify(packet.data ?? null) },
        this.options.replyTimeoutMs ?? 3000,
      );
      return JSON.parse(reply.body.toString('utf8')) as RocketReply;
    };
    request().then(
      (reply) =>
        callback(
          reply.err === undefined
            ? { response: reply.response, isDisposed: true }
            : { err: reply.err, isDisposed: true },
        ),
      (error: unknown) => callback({ err: error, isDisposed: true }),
    );
    return () => {}; // a request already sent cannot be called back
  }

  protected async dispatchEvent<T = unknown>(packet: ReadPacket): Promise<T> {
    const producer = await this.connect();
    return (await producer.send({
      topic: patternTopic(this.normalizePattern(packet.pattern)),
      body: JSON.stringify(packet.data ?? null),
    })) as T;
  }

  unwrap<T>(): T {
    if (!this.producer) throw new Error('RocketMQ transport: not connected yet');
    return this.producer as T;
  }
}
