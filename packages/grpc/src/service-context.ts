import type { Metadata, sendUnaryData, ServerUnaryCall } from '@grpc/grpc-js';
import type { BrokerController } from '@rocketnest/broker';
import type { Logger } from '@rocketnest/common';
import type { ClientSession } from './client-session.js';
import type { PopService } from './pop-service.js';
import type { RouteService } from './route.js';
import { statusOf, StatusError, type Status } from './status.js';
import type { Endpoints } from './v2-types.js';

/** What the MessagingService's handlers share. */
export interface ServiceContext {
  readonly broker: BrokerController;
  readonly routes: RouteService;
  readonly pop: PopService;
  readonly logger: Logger;
  /** The session of the call's client (created on its first call), its signature checked. */
  session(metadata: Metadata, peer: string): ClientSession;
  /** This service's own address, for routes asked without an access point. */
  endpoints(): Endpoints;
  /** Heartbeat the session's brokers now (after its settings changed). */
  heartbeat(session: ClientSession): Promise<void>;
  /** Forget a client that said it is gone. */
  terminate(session: ClientSession): Promise<void>;
}

/**
 * A unary method: the handler's answer, or, when it throws, an answer whose status says why
 * (the v5 protocol answers errors in the status field, with gRPC's OK).
 */
export function unary<Request, Response extends { status?: Status }>(
  context: ServiceContext,
  name: string,
  handler: (request: Request, session: ClientSession) => Promise<Omit<Response, 'status'> & { status?: Status }>,
) {
  return (call: ServerUnaryCall<Request, Response>, callback: sendUnaryData<Response>): void => {
    let session: ClientSession;
    try {
      session = context.session(call.metadata, call.getPeer());
    } catch (error) {
      callback(null, { status: statusOf(error) } as Response);
      return;
    }
    handler(call.request, session).then(
      (response) => callback(null, { status: { code: 'OK', message: 'OK' }, ...response } as Response),
      (error: unknown) => {
        if (!(error instanceof StatusError)) context.logger.warn(`gRPC ${name}: ${(error as Error).message}`);
        callback(null, { status: statusOf(error) } as Response);
      },
    );
  };
}

/** The name of a resource, checked to be given. */
export function nameOf(resource: { name?: string } | undefined | null, what: string): string {
  const name = resource?.name;
  if (!name) throw new StatusError('BAD_REQUEST', `the request names no ${what}`);
  return name;
}

/** A consumer group's FIFO flag and the deliveries a message gets (retryMaxTimes + 1), from its config on this broker. */
export function groupSettings(
  broker: BrokerController,
  group: string | undefined,
): { fifo: boolean; maxAttempts: number } {
  const config = group ? broker.groups.find(group) : undefined;
  return { fifo: config?.consumeMessageOrderly ?? false, maxAttempts: (config?.retryMaxTimes ?? 16) + 1 };
}
