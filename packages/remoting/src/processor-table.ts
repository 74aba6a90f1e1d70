import {
  createResponse,
  isOneway,
  requestCodeName,
  requestCodeNotSupported,
  RESPONSE_FLAG,
  ResponseCode,
  type RemotingCommand,
} from '@rocketnest/protocol';
import type { RemotingConnection } from './remoting-connection.js';

/** What a processor sees of the request's connection. */
export interface RequestContext {
  readonly connection: RemotingConnection;
  /**
   * Answer later: a processor that returns null (a held long-poll pull, say) calls this once the
   * answer is ready. Calling it for a one-way request does nothing.
   */
  respond(response: RemotingCommand): void;
}

/**
 * Handles one request code. Return the response, or null to answer later through
 * context.respond. A throw becomes SYSTEM_ERROR with the error's message as remark.
 */
export type RequestProcessor = (
  request: RemotingCommand,
  context: RequestContext,
) => RemotingCommand | null | undefined | Promise<RemotingCommand | null | undefined>;

export interface ProcessorOptions {
  /** Requests this processor works on at once; more wait in its queue (default 64). */
  concurrency?: number | undefined;
  /** Requests that may wait; beyond that they are answered SYSTEM_BUSY (default 10,000). */
  queueCapacity?: number | undefined;
}

const OVERLOAD_REMARK = '[OVERLOAD]system busy, start flow control for a while';

interface Task {
  request: RemotingCommand;
  connection: RemotingConnection;
}

/**
 * One processor with its bounded queue: RocketMQ gives each processor a thread pool with a
 * bounded queue and answers SYSTEM_BUSY when the queue is full; this is the same in one thread,
 * where "concurrency" bounds the asynchronous work a processor has started and not finished.
 */
class BoundedProcessor {
  private running = 0;
  private readonly queue: (Task | undefined)[] = [];
  private queueHead = 0;
  private readonly concurrency: number;
  private readonly queueCapacity: number;

  constructor(
    private readonly processor: RequestProcessor,
    options: ProcessorOptions,
  ) {
    this.concurrency = options.concurrency ?? 64;
    this.queueCapacity = options.queueCapacity ?? 10_000;
    if (!(this.concurrency >= 1) || !(this.queueCapacity >= 0)) {
      throw new RangeError('a processor needs concurrency >= 1 and queueCapacity >= 0');
    }
  }

  /** Requests waiting for their turn. */
  get queued(): number {
    return this.queue.length - this.queueHead;
  }

  submit(request: RemotingCommand, connection: RemotingConnection): void {
    if (connection.requestsInFlight >= connection.maxRequestsInFlight) {
      if (!isOneway(request)) {
        const remark = `${connection.requestsInFlight} requests of this connection are in flight and maxRequestsInFlight is ${connection.maxRequestsInFlight}: wait for their answers`;
        connection.send(createResponse(request, ResponseCode.SYSTEM_BUSY, { remark }));
      }
      return;
    }
    if (this.running < this.concurrency) {
      connection.requestsInFlight++;
      this.run(request, connection);
    } else if (this.queued < this.queueCapacity) {
      connection.requestsInFlight++;
      this.queue.push({ request, connection });
    } else if (!isOneway(request)) {
      connection.send(createResponse(request, ResponseCode.SYSTEM_BUSY, { remark: OVERLOAD_REMARK }));
    }
  }

  private run(request: RemotingCommand, connection: RemotingConnection): void {
    this.running++;
    const context: RequestContext = {
      connection,
      respond: (response) => answer(request, response, connection),
    };
    let result: ReturnType<RequestProcessor>;
    try {
      result = this.processor(request, context);
    } catch (error) {
      answer(request, systemError(request, error), connection);
      this.done(connection);
      return;
    }
    if (result instanceof Promise) {
      result.then(
        (response) => {
          if (response) answer(request, response, connection);
          this.done(connection);
        },
        (error: unknown) => {
          answer(request, systemError(request, error), connection);
          this.done(connection);
        },
      );
    } else {
      if (result) answer(request, result, connection);
      this.done(connection);
    }
  }

  /** A request of connection is done: run the next ones waiting. */
  private done(connection: RemotingConnection): void {
    connection.requestsInFlight--;
    this.running--;
    while (this.running < this.concurrency && this.queued > 0) {
      const task = this.queue[this.queueHead]!;
      this.queue[this.queueHead++] = undefined;
      if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
        this.queue.splice(0, this.queueHead);
        this.queueHead = 0;
      }
      // A request whose connection closed while it waited has nobody to answer.
      if (!task.connection.closed) this.run(task.request, task.connection);
      else task.connection.requestsInFlight--;
    }
  }
}

function answer(request: RemotingCommand, response: RemotingCommand, connection: RemotingConnection): void {
  if (isOneway(request)) return;
  response.opaque = request.opaque;
  response.flag |= RESPONSE_FLAG;
  connection.send(response);
}

function systemError(request: RemotingCommand, error: unknown): RemotingCommand {
  const name = requestCodeName(request.code) ?? String(request.code);
  const message = error instanceof Error ? error.message : String(error);
  return createResponse(request, ResponseCode.SYSTEM_ERROR, { remark: `${name} failed: ${message}` });
}

/** The processors of one endpoint, keyed by request code, with an optional default. */
export class ProcessorTable {
  private readonly processors = new Map<number, BoundedProcessor>();
  private fallback: BoundedProcessor | undefined;

  register(code: number, processor: RequestProcessor, options: ProcessorOptions = {}): void {
    this.processors.set(code, new BoundedProcessor(processor, options));
  }

  /** The processor for every code that has none of its own. */
  registerDefault(processor: RequestProcessor, options: ProcessorOptions = {}): void {
    this.fallback = new BoundedProcessor(processor, options);
  }

  /** Run the request's processor, or answer REQUEST_CODE_NOT_SUPPORTED as Java does. */
  dispatch(request: RemotingCommand, connection: RemotingConnection): void {
    const processor = this.processors.get(request.code) ?? this.fallback;
    if (processor) processor.submit(request, connection);
    else if (!isOneway(request)) connection.send(requestCodeNotSupported(request));
  }
}
