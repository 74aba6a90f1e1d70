import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import type { ReceivedMessage } from '@rocketnest/client';
import { RocketConnection, type ListenerRegistration } from './rocket-connection.js';
import { ROCKET_LISTENER, type RocketListenerMetadata } from './rocket-listener.decorator.js';

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
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.connection.options.registerListeners === false) return;
    try {
      await this.connection.startListeners(this.explore());
    } catch (error) {
      // Boot fails: leave no consumer, producer or embedded broker running behind it.
      await this.connection.beforeApplicationShutdown();
      throw error;
    }
  }

  explore(): ListenerRegistration[] {
    const registrations: ListenerRegistration[] = [];
    for (const wrapper of [...this.discovery.getProviders(), ...this.discovery.getControllers()]) {
      const { instance, metatype } = wrapper;
      if (!metatype || typeof metatype !== 'function' || !metatype.prototype) continue;
      const prototype = metatype.prototype as Record<string, unknown>;
      for (const methodName of this.scanner.getAllMethodNames(prototype)) {
        const method = prototype[methodName];
        if (typeof method !== 'function') continue;
        const listeners: RocketListenerMetadata[] | undefined = Reflect.getMetadata(ROCKET_LISTENER, method);
        if (!listeners) continue;
        const name = `${metatype.name}.${methodName}`;
        if (!wrapper.isDependencyTreeStatic()) {
          throw new Error(
            `${name} has @RocketListener but ${metatype.name} is request-scoped (or depends on a request-scoped provider): listeners need a singleton; make it one`,
          );
        }
        for (const { topic, tag, options } of listeners) {
          registrations.push({
            name,
            topic,
            tag,
            group: options.group ?? this.connection.group,
            sql: options.sql,
            orderly: options.orderly ?? false,
            broadcasting: options.broadcasting ?? false,
            consumeFrom: options.consumeFrom ?? 'last',
            concurrency: options.concurrency,
            maxReconsumeTimes: options.maxReconsumeTimes,
            handle: (payload: unknown, message: ReceivedMessage) =>
              (method as (payload: unknown, message: ReceivedMessage) => unknown).call(instance, payload, message),
          });
        }
      }
    }
    return registrations;
  }
}
