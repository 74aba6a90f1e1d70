import { IsIn, IsInt, IsString, IsUUID, Length, Max, Min } from 'class-validator';

/** POST /orders. */
export class CreateOrderDto {
  @IsString()
  @Length(1, 100)
  item!: string;

  @IsInt()
  @Min(1)
  @Max(1000)
  quantity!: number;
}

/** What travels on OrderEvents, one queue per order (sharding key = order id). */
export class OrderEvent {
  @IsUUID()
  orderId!: string;

  @IsIn(['created', 'paid', 'cancelled'])
  type!: 'created' | 'paid' | 'cancelled';
}

export const ORDER_EVENTS = 'OrderEvents';
export const PAYMENT_DEADLINES = 'OrderPaymentDeadlines';
