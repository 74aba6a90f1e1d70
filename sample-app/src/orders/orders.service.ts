import { randomUUID } from 'node:crypto';
import { Inject, Injectable, NotFoundException, ConflictException } from '@nestjs/common';
import { MessageProducer, RocketProducer, TransactionRolledBackError } from '@rocketnest/nestjs';
import { OrderDatabase, type Order } from './order-database.js';
import { ORDER_EVENTS, PAYMENT_DEADLINES, type CreateOrderDto, type OrderEvent } from './order.dto.js';

export const PAYMENT_TIMEOUT_MS = Symbol('PAYMENT_TIMEOUT_MS');

@Injectable()
export class OrdersService {
  constructor(
    private readonly db: OrderDatabase,
    @RocketProducer() private readonly producer: MessageProducer,
    @Inject(PAYMENT_TIMEOUT_MS) private readonly paymentTimeoutMs: number,
  ) {}

  /** Write the order and its "created" event together, then give it a payment deadline. */
  async place(dto: CreateOrderDto): Promise<Order> {
    const order: Order = {
      id: randomUUID(),
      item: dto.item,
      quantity: dto.quantity,
      status: 'pending',
      createdAt: Date.now(),
    };
    const event: OrderEvent = { orderId: order.id, type: 'created' };
    await this.producer
      .sendInTransaction(ORDER_EVENTS, event, order, { tags: 'created', keys: order.id, shardingKey: order.id })
      .catch((error: unknown) => {
        // The local transaction (storing the order) rolled back: its event was discarded.
        if (error instanceof TransactionRolledBackError) throw new ConflictException('the order could not be stored');
        throw error;
      });
    await this.producer.sendDelayed(PAYMENT_DEADLINES, { orderId: order.id }, this.paymentTimeoutMs, {
      keys: order.id,
    });
    return order;
  }

  async pay(id: string): Promise<Order> {
    if (!this.db.find(id)) throw new NotFoundException(`no order ${id}`);
    if (!this.db.transaction(() => this.db.transition(id, 'pending', 'paid'))) {
      throw new ConflictException(`order ${id} is ${this.db.find(id)!.status}, not pending`);
    }
    await this.emit({ orderId: id, type: 'paid' });
    return this.db.find(id)!;
  }

  /** The payment deadline passed: a still unpaid order is cancelled. */
  async expire(id: string): Promise<boolean> {
    if (!this.db.transaction(() => this.db.transition(id, 'pending', 'cancelled'))) return false;
    await this.emit({ orderId: id, type: 'cancelled' });
    return true;
  }

  get(id: string): Order & { events: string[] } {
    const order = this.db.find(id);
    if (!order) throw new NotFoundException(`no order ${id}`);
    return { ...order, events: this.db.events(id) };
  }

  /** Publish an event as another service might (the sample's way to show a malformed one dead-lettered). */
  publish(event: unknown): Promise<unknown> {
    return this.producer.send(ORDER_EVENTS, event, { tags: 'external' });
  }

  private emit(event: OrderEvent): Promise<unknown> {
    return this.producer.sendOrderly(ORDER_EVENTS, event, event.orderId, { tags: event.type, keys: event.orderId });
  }
}
