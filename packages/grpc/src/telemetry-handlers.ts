import type { ServerDuplexStream, ServerWritableStream } from '@grpc/grpc-js';
import type { ClientSession, ClientSettings, TelemetryCommand } from './client-session.js';
import { groupSettings, unary, type ServiceContext } from './service-context.js';
import { statusOf, StatusError } from './status.js';
import { duration } from './v2-types.js';

/** Messages a consumer is told to receive at once, and how long its receives long-poll. */
const RECEIVE_BATCH_SIZE = 32;
const LONG_POLLING_MS = 20_000;

/**
 * The settings the service gives a client for the ones it reported, as RocketMQ 5's proxy does:
 * a producer keeps its retries with the proxy's backoff and learns the largest body; a consumer
 * learns whether its group is FIFO and how many deliveries a message gets (retryMaxTimes + 1).
 */
export function serverSettings(context: ServiceContext, client: ClientSettings): ClientSettings {
  const common = {
    client_type: client.client_type,
    access_point: client['access_point'],
    request_timeout: client['request_timeout'] ?? duration(3000),
    user_agent: client.user_agent,
    metric: { on: false },
  };
  if (client.publishing) {
    const asked = (client['backoff_policy'] as { max_attempts?: number } | undefined)?.max_attempts;
    return {
      ...common,
      backoff_policy: {
        max_attempts: asked && asked > 0 ? asked : 3,
        exponential_backoff: { initial: duration(10), max: duration(1000), multiplier: 2 },
      },
      publishing: {
        topics: client.publishing.topics,
        max_body_size: context.broker.storeConfig.maxMessageSize,
        validate_message_type: false,
      },
    };
  }
  const { fifo, maxAttempts } = groupSettings(context.broker, client.subscription?.group?.name);
  return {
    ...common,
    backoff_policy: {
      max_attempts: maxAttempts,
      exponential_backoff: { initial: duration(1000), max: duration(60_000), multiplier: 2 },
    },
    subscription: {
      subscriptions: [],
      ...client.subscription,
      fifo,
      receive_batch_size: RECEIVE_BATCH_SIZE,
      long_polling_timeout: duration(LONG_POLLING_MS),
    },
  };
}

/** The nonce of a client's answer to a command (the Node client answers a verify in verify_message_command). */
function nonceOf(command: TelemetryCommand): string | undefined {
  for (const field of ['thread_stack_trace', 'verify_message_result', 'verify_message_command']) {
    const nonce = (command[field] as { nonce?: string } | undefined)?.nonce;
    if (nonce) return nonce;
  }
  return undefined;
}

/** Telemetry, Heartbeat, NotifyClientTermination, and the methods this service does not serve. */
export function telemetryHandlers(context: ServiceContext) {
  function onCommand(
    session: ClientSession,
    call: ServerDuplexStream<TelemetryCommand, TelemetryCommand>,
    command: TelemetryCommand,
  ): void {
    session.lastSeen = Date.now();
    if (command.settings) {
      const settings = command.settings;
      session.settings = settings;
      call.write({ status: { code: 'OK', message: 'OK' }, settings: serverSettings(context, settings) });
      void context.heartbeat(session);
      return;
    }
    const nonce = nonceOf(command);
    if (nonce) session.answered(nonce, command);
  }

  const notServed = (name: string, instead: string) =>
    new StatusError('NOT_IMPLEMENTED', `RocketNest's gRPC service does not serve ${name}; ${instead}`);

  return {
    Telemetry: (call: ServerDuplexStream<TelemetryCommand, TelemetryCommand>): void => {
      let session: ClientSession;
      try {
        session = context.session(call.metadata, call.getPeer());
      } catch (error) {
        call.write({ status: statusOf(error) });
        call.end();
        return;
      }
      session.attach(call);
      call.on('data', (command: TelemetryCommand) => onCommand(session, call, command));
      call.on('end', () => call.end());
      call.on('error', () => undefined);
    },

    Heartbeat: unary(context, 'Heartbeat', async (_request: unknown, session) => {
      await context.heartbeat(session);
      return {};
    }),

    NotifyClientTermination: unary(context, 'NotifyClientTermination', async (_request: unknown, session) => {
      await context.terminate(session);
      return {};
    }),

    UpdateOffset: unary(context, 'UpdateOffset', async () => {
      throw notServed('UpdateOffset', 'use a SimpleConsumer or PushConsumer');
    }),
    GetOffset: unary(context, 'GetOffset', async () => {
      throw notServed('GetOffset', 'use a SimpleConsumer or PushConsumer');
    }),
    QueryOffset: unary(context, 'QueryOffset', async () => {
      throw notServed('QueryOffset', 'use a SimpleConsumer or PushConsumer');
    }),
    RecallMessage: unary(context, 'RecallMessage', async () => {
      throw notServed('RecallMessage', 'a delay message cannot be recalled');
    }),
    SyncLiteSubscription: unary(context, 'SyncLiteSubscription', async () => {
      throw notServed('SyncLiteSubscription', 'lite topics are not supported');
    }),
    PullMessage: (call: ServerWritableStream<unknown, unknown>): void => {
      call.write({ status: statusOf(notServed('PullMessage', 'use a SimpleConsumer or PushConsumer')) });
      call.end();
    },
  };
}
