import type { RocketEventName, RocketEvents } from './rocket-event.decorator.js';

type Handler<Name extends RocketEventName> = (event: RocketEvents[Name]) => unknown;

/**
 * A client's lifecycle events, delivered to the @OnRocketEvent methods its explorer found (every
 * client's explorer finds them all, so a handler hears every client). A handler's failure is
 * logged and touches nothing else.
 */
export class RocketEventBus {
  private readonly handlers = new Map<RocketEventName, { name: string; handle: Handler<RocketEventName> }[]>();

  constructor(private readonly logger: { error(message: string): void }) {}

  on<Name extends RocketEventName>(event: Name, name: string, handle: Handler<Name>): void {
    this.handlers.set(event, [
      ...(this.handlers.get(event) ?? []),
      { name, handle: handle as Handler<RocketEventName> },
    ]);
  }

  emit<Name extends RocketEventName>(event: Name, payload: RocketEvents[Name]): void {
    for (const { name, handle } of this.handlers.get(event) ?? []) {
      const failed = (error: unknown) =>
        this.logger.error(`@OnRocketEvent('${event}') ${name} failed: ${(error as Error)?.message ?? String(error)}`);
      try {
        void Promise.resolve(handle(payload)).catch(failed);
      } catch (error) {
        failed(error);
      }
    }
  }
}
