import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReceivedMessage } from '@rocketnest/client';
import { MessageProducer } from './message-producer.js';
import { RocketMessage } from './rocket-params.decorator.js';
import { RocketListener } from './rocket-listener.decorator.js';
import { RocketTestHarness, RocketTestingModule } from './testing/rocket-testing.module.js';

@Injectable()
class Fulfilment {
  readonly traceparents: (string | undefined)[] = [];
  readonly activeTraceIds: (string | undefined)[] = [];

  @RocketListener('Orders', '*', { consumeFrom: 'first', maxReconsumeTimes: 0 })
  fulfil(order: { id: number }, @RocketMessage() message: ReceivedMessage) {
    this.traceparents.push(message.properties['traceparent']);
    // The handler runs inside its span: the app's own spans and logs join the trace.
    this.activeTraceIds.push(trace.getActiveSpan()?.spanContext().traceId);
    if (order.id < 0) throw new Error('no such order');
  }
}

describe('OpenTelemetry tracing', () => {
  const exporter = new InMemorySpanExporter();
  before(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
  });
  after(() => {
    trace.disable();
    propagation.disable();
    context.disable();
  });

  it('carries the context from the producer to the listener in the message properties: publish and process spans of one trace', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [RocketTestingModule.forRoot()],
      providers: [Fulfilment],
    })
      .setLogger({ log() {}, warn() {}, error() {} })
      .compile();
    await moduleRef.init();
    try {
      const producer = moduleRef.get(MessageProducer);
      const harness = moduleRef.get(RocketTestHarness);
      const checkout = trace.getTracer('test').startSpan('checkout');
      const sent = await context.with(trace.setSpan(context.active(), checkout), () =>
        producer.send('Orders', { id: 1 }),
      );
      checkout.end();
      const failing = await harness.publish('Orders', { id: -1 });
      assert.equal(await failing.settled('Fulfilment.fulfil'), 'dead-lettered');
      await new Promise((resolve) => setTimeout(resolve, 200));

      const spans = exporter.getFinishedSpans();
      const publish = spans.find(
        (s) => s.name === 'Orders publish' && s.attributes['messaging.message.id'] === sent.msgId,
      )!;
      const process = spans.find(
        (s) => s.name === 'Orders process' && s.attributes['messaging.message.id'] === sent.msgId,
      )!;
      assert.ok(publish && process, `spans: ${spans.map((s) => s.name).join(', ')}`);
      assert.equal(publish.kind, SpanKind.PRODUCER);
      assert.equal(
        publish.parentSpanContext?.spanId,
        checkout.spanContext().spanId,
        'the send is a child of the caller',
      );
      assert.equal(publish.attributes['messaging.system'], 'rocketmq');
      assert.equal(process.kind, SpanKind.CONSUMER);
      assert.equal(process.spanContext().traceId, checkout.spanContext().traceId, 'one trace from caller to listener');
      assert.equal(process.parentSpanContext?.spanId, publish.spanContext().spanId);
      assert.equal(process.attributes['messaging.consumer.group.name'], 'rocketnest');
      assert.equal(process.attributes['rocketnest.outcome'], 'acknowledged');
      const fulfilment = moduleRef.get(Fulfilment);
      assert.match(fulfilment.traceparents[0]!, new RegExp(`^00-${checkout.spanContext().traceId}-`));
      assert.equal(fulfilment.activeTraceIds[0], checkout.spanContext().traceId);

      const failed = spans.find(
        (s) => s.name === 'Orders process' && s.attributes['messaging.message.id'] === failing.msgId,
      )!;
      assert.equal(failed.status.code, SpanStatusCode.ERROR);
      assert.equal(failed.attributes['rocketnest.outcome'], 'dead-lettered');
    } finally {
      await moduleRef.close();
    }
  });
});
