import { assignMetadata, Injectable, ValidationPipe, type OnApplicationBootstrap, type Type } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { DiscoveryService, ExternalContextCreator, MetadataScanner } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper.js';
import type { ConsumeContext, ReceivedMessage } from '@rocketnest/client';
import {
  RocketConnection,
  type ListenerRegistration,
  type TransactionHandlerRegistration,
} from './rocket-connection.js';
import type { RocketTransactionHandler } from './transactional-handler.decorator.js';
import { resolveListenerOptions } from './rocket-listener.decorator.js';
import { RocketMetadataAccessor } from './rocket-metadata.accessor.js';
import { RocketParamtype } from './rocket-params.decorator.js';
import { DEFAULT_CLIENT } from './rocket.constants.js';

/** What a listener's parameters are made from: (payload, message, context). */
const paramsFactory = {
  exchangeKeyForValue(type: number, data: unknown, [payload, message, context]: unknown[]): unknown {
    switch (type) {
      case RocketParamtype.PAYLOAD:
        return typeof data === 'string' && payload && typeof payload === 'object'
          ? (payload as Record<string, unknown>)[data]
          : payload;
      case RocketParamtype.MESSAGE:
        return message;
      case RocketParamtype.PROPERTIES: {
        const properties = (message as ReceivedMessage).properties;
        return typeof data === 'string' ? properties[data] : properties;
      }
      case RocketParamtype.CONTEXT:
        return context;
      default:
        return undefined;
    }
  },
};

/**
 * Finds @RocketListener methods on every provider once all modules are initialised, and starts
 * their consumers. A listener on a request-scoped provider fails boot: it would never run.
 */
@Injectable()
export class RocketExplorer implements OnApplicationBootstrap {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly connection: RocketConnection,
    private readonly contexts: ExternalContextCreator,
    private readonly metadata: RocketMetadataAccessor,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    try {
      this.exploreEvents();
      const handlers = this.exploreTransactionHandlers();
      const listeners = this.connection.options.registerListeners === false ? [] : this.explore();
      await this.connection.startWhenReachable(async () => {
        // Transaction handlers answer the broker's checks, so API-only pods run them too.
        await this.connection.startTransactionHandlers(handlers);
        if (listeners.length > 0) await this.connection.startListeners(listeners);
      });
    } catch (error) {
      // Boot fails: leave no consumer, producer or embedded broker running behind it.
      await this.connection.beforeApplicationShutdown();
      throw error;
    }
  }

  exploreTransactionHandlers(): TransactionHandlerRegistration[] {
    const found: TransactionHandlerRegistration[] = [];
    for (const wrapper of this.discovery.getProviders()) {
      const { instance, metatype } = wrapper;
      if (!metatype || typeof metatype !== 'function') continue;
      const options = this.metadata.transactionalHandler(metatype as Type);
      if (!options) continue;
      if (!wrapper.isDependencyTreeStatic()) {
        throw new Error(
          `@TransactionalHandler ${metatype.name} is request-scoped: transaction handlers need a singleton; make it one`,
        );
      }
      const handler = instance as RocketTransactionHandler;
      if (typeof handler.execute !== 'function' || typeof handler.check !== 'function') {
        throw new Error(
          `@TransactionalHandler ${metatype.name} must have execute(message, arg) and check(message) methods`,
        );
      }
      found.push({ name: metatype.name, options, handler });
    }
    return found;
  }

  /** Every method of every provider and controller, with its class and instance. */
  private *methods(): Generator<{ wrapper: InstanceWrapper; metatype: Type; methodName: string; method: object }> {
    for (const wrapper of [...this.discovery.getProviders(), ...this.discovery.getControllers()]) {
      const { metatype } = wrapper;
      if (!metatype || typeof metatype !== 'function' || !metatype.prototype) continue;
      const prototype = metatype.prototype as Record<string, unknown>;
      for (const methodName of this.scanner.getAllMethodNames(prototype)) {
        const method = prototype[methodName];
        if (typeof method === 'function') yield { wrapper, metatype: metatype as Type, methodName, method };
      }
    }
  }

  /** Subscribe the @OnRocketEvent methods to this client's lifecycle events. */
  exploreEvents(): void {
    for (const { wrapper, metatype, methodName, method } of this.methods()) {
      for (const event of this.metadata.events(method) ?? []) {
        const instance = wrapper.instance as Record<string, (payload: unknown) => unknown>;
        this.connection.events.on(event, `${metatype.name}.${methodName}`, (payload) => instance[methodName]!(payload));
      }
    }
  }

  explore(): ListenerRegistration[] {
    const registrations: ListenerRegistration[] = [];
    for (const { wrapper, metatype, methodName, method } of this.methods()) {
      const { instance } = wrapper;
      const listeners = this.metadata.listeners(method);
      if (!listeners) continue;
      const name = `${metatype.name}.${methodName}`;
      if (!wrapper.isDependencyTreeStatic()) {
        throw new Error(
          `${name} has @RocketListener but ${metatype.name} is request-scoped (or depends on a request-scoped provider): listeners need a singleton; make it one`,
        );
      }
      // Each client's explorer takes its own listeners, their options resolved once, here.
      const defaults = { group: this.connection.group, serializer: this.connection.serializer };
      const mine = listeners
        .filter(({ options }) => (options.client ?? DEFAULT_CLIENT) === this.connection.name)
        .map(({ topic, tag, options }) => ({ topic, tag, options: resolveListenerOptions(options, defaults) }));
      if (mine.length === 0) continue;
      // One handler per method: its payload is validated unless every listener on it says not to.
      const validate = mine.every(({ options }) => options.validate);
      const handle = this.handler(instance as object, metatype as Type, methodName, validate);
      for (const listener of mine) registrations.push({ name, ...listener, handle });
    }
    return registrations;
  }

  /**
   * The method wrapped as Nest wraps a controller route (ExternalContextCreator): guards,
   * interceptors, pipes and exception filters apply; parameters come from @Payload,
   * @RocketMessage, @MessageProperties and @RocketContext, or are (payload, message, context) when
   * none is used. The payload is validated (ValidationPipe, transform) unless validate is false.
   */
  private handler(
    instance: object,
    metatype: Type,
    methodName: string,
    validate: boolean,
  ): (payload: unknown, message: ReceivedMessage | ReceivedMessage[], context: ConsumeContext) => Promise<unknown> {
    let args: Record<string, { index: number; pipes: unknown[] }> | undefined = Reflect.getMetadata(
      ROUTE_ARGS_METADATA,
      metatype,
      methodName,
    );
    const method = (metatype.prototype as Record<string, (...params: unknown[]) => unknown>)[methodName]!;
    if (!args) {
      args = assignMetadata({}, RocketParamtype.PAYLOAD, 0);
      args = assignMetadata(args, RocketParamtype.MESSAGE, 1);
      args = assignMetadata(args, RocketParamtype.CONTEXT, 2);
    } else if (!Object.keys(args).some((key) => key.startsWith(`${RocketParamtype.PAYLOAD}:`))) {
      // Some parameters are decorated, the payload is not: it is the first one left.
      const taken = new Set(Object.values(args).map((entry) => entry.index));
      const free = Array.from({ length: Math.max(method.length, taken.size + 1) }, (_, i) => i).find(
        (i) => !taken.has(i),
      );
      if (free !== undefined) args = assignMetadata(args, RocketParamtype.PAYLOAD, free);
    }
    if (validate) {
      for (const [key, entry] of Object.entries(args)) {
        if (key.startsWith(`${RocketParamtype.PAYLOAD}:`))
          entry.pipes = [new ValidationPipe({ transform: true }), ...entry.pipes];
      }
    }
    Reflect.defineMetadata(ROUTE_ARGS_METADATA, args, metatype, methodName);
    return this.contexts.create(
      instance,
      method,
      methodName,
      ROUTE_ARGS_METADATA,
      paramsFactory,
      undefined,
      undefined,
      undefined,
      'rocketmq',
    );
  }
}
