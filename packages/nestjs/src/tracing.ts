import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Span,
} from '@opentelemetry/api';
import type { ReceivedMessage } from '@rocketnest/client';

/**
 * OpenTelemetry tracing of sends and listener calls, through @opentelemetry/api: without an SDK
 * registered in the app every call here is a no-op. The producer's span context travels in the
 * message's properties (W3C traceparent and tracestate, as the app's propagator writes them), so
 * the listener's span is its child across processes. Names and attributes follow OpenTelemetry's
 * messaging semantic conventions.
 */
const tracer = () => trace.getTracer('@rocketnest/nestjs');

function attributes(topic: string, operation: 'publish' | 'process'): Attributes {
  return {
    'messaging.system': 'rocketmq',
    'messaging.destination.name': topic,
    'messaging.operation.type': operation,
  };
}

/** Run work in the span, then end it: an error is recorded on the span (and thrown on), a result told to finished. */
async function within<Result>(
  span: Span,
  work: () => Promise<Result>,
  finished: (result: Result) => void,
): Promise<Result> {
  try {
    const result = await work();
    finished(result);
    return result;
  } catch (error) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    throw error;
  } finally {
    span.end();
  }
}

/**
 * Run a send in a "<topic> publish" producer span; send gets the message's properties with the
 * span's context added, and resolves with the message id (or nothing, for one-way sends).
 */
export function tracedSend<Result>(
  topic: string,
  properties: Readonly<Record<string, string>> | undefined,
  send: (properties: Record<string, string>) => Promise<Result>,
  messageId: (result: Result) => string | undefined,
): Promise<Result> {
  return tracer().startActiveSpan(
    `${topic} publish`,
    { kind: SpanKind.PRODUCER, attributes: attributes(topic, 'publish') },
    (span) => {
      const carried: Record<string, string> = { ...properties };
      propagation.inject(context.active(), carried);
      return within(
        span,
        () => send(carried),
        (result) => {
          const id = messageId(result);
          if (id !== undefined) span.setAttribute('messaging.message.id', id);
        },
      );
    },
  );
}

/**
 * Run a listener call in a "<topic> process" consumer span, the child of the span that sent the
 * (first) message; outcome(result) names what became of it, recorded before the span ends.
 */
export function tracedProcess<Result>(
  listener: string,
  group: string,
  message: ReceivedMessage,
  run: () => Promise<Result>,
  outcome: (result: Result) => { name: string; error?: string | undefined },
): Promise<Result> {
  const parent = propagation.extract(ROOT_CONTEXT, message.properties);
  return tracer().startActiveSpan(
    `${message.topic} process`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        ...attributes(message.topic, 'process'),
        'messaging.consumer.group.name': group,
        'messaging.message.id': message.msgId,
        'messaging.rocketmq.message.tag': message.tags ?? '',
        'code.function.name': listener,
      },
    },
    parent,
    (span) =>
      within(span, run, (result) => {
        const { name, error } = outcome(result);
        span.setAttribute('rocketnest.outcome', name);
        if (error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: error });
      }),
  );
}
