import { assignMetadata, type PipeTransform, type Type } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';

/**
 * Parameter kinds of listener methods. The payload is a body parameter (3, Nest's
 * RouteParamtypes.BODY) so that ValidationPipe and other pipes treat it as they treat a
 * controller's @Body().
 */
export const RocketParamtype = {
  PAYLOAD: 3,
  MESSAGE: 100,
  PROPERTIES: 101,
  CONTEXT: 102,
} as const;

function listenerParam(
  paramtype: number,
  data?: string,
  pipes: (Type<PipeTransform> | PipeTransform)[] = [],
): ParameterDecorator {
  return (target, key, index) => {
    const args = Reflect.getMetadata(ROUTE_ARGS_METADATA, target.constructor, key!) ?? {};
    Reflect.defineMetadata(
      ROUTE_ARGS_METADATA,
      assignMetadata(args, paramtype, index, data, ...pipes),
      target.constructor,
      key!,
    );
  };
}

/** The decoded payload (or one property of it), through the pipes given. */
export function Payload(property?: string, ...pipes: (Type<PipeTransform> | PipeTransform)[]): ParameterDecorator {
  return listenerParam(RocketParamtype.PAYLOAD, property, pipes);
}

/** The message as received: topic, tags, keys, msgId, reconsumeTimes, body... */
export function RocketMessage(): ParameterDecorator {
  return listenerParam(RocketParamtype.MESSAGE);
}

/** The message's properties, or one of them. */
export function MessageProperties(name?: string): ParameterDecorator {
  return listenerParam(RocketParamtype.PROPERTIES, name);
}

/** The consume context: the queue, and the group. */
export function RocketContext(): ParameterDecorator {
  return listenerParam(RocketParamtype.CONTEXT);
}
