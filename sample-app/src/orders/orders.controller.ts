import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { CreateOrderDto } from './order.dto.js';
import { OrdersService } from './orders.service.js';

@Controller()
export class OrdersController {
  constructor(private readonly orders: OrdersService) {}

  @Post('orders')
  create(@Body() dto: CreateOrderDto) {
    return this.orders.place(dto);
  }

  @Get('orders/:id')
  get(@Param('id', ParseUUIDPipe) id: string) {
    return this.orders.get(id);
  }

  @Post('orders/:id/pay')
  @HttpCode(200)
  pay(@Param('id', ParseUUIDPipe) id: string) {
    return this.orders.pay(id);
  }

  /** Publish a raw event, as another service would; a malformed one ends in %DLQ%order-history. */
  @Post('events')
  @HttpCode(202)
  async publish(@Body() event: unknown) {
    await this.orders.publish(event);
    return { accepted: true };
  }
}
