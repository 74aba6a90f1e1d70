import { ResponseCode } from './response-code.js';

/** How a command's header is serialised: the top byte of the header word (SerializeType.java). */
export const SerializeType = {
  JSON: 0,
  ROCKETMQ: 1,
} as const;
export type SerializeType = (typeof SerializeType)[keyof typeof SerializeType];

/** Flag bit 0: the command is a response. */
export const RESPONSE_FLAG = 0x1;
/** Flag bit 1: a one-way request, which the receiver must not answer. */
export const ONEWAY_FLAG = 0x2;

/**
 * The version ordinal RocketNest puts in every command it writes: V4_9_8, the 4.9.x line's
 * CURRENT_VERSION. A Java client reads a broker's version from the HEART_BEAT response and
 * refuses SQL92 filtering below V4_1_0_SNAPSHOT (232), so this must be a real ordinal.
 */
export const REMOTING_VERSION = 409;
/** REMOTING_VERSION's name, as MQVersion prints it (brokerVersionDesc, PROP_CLIENT_VERSION). */
export const REMOTING_VERSION_NAME = 'V4_9_8';

/** Extension fields: the flattened "custom header", every value a string as on the wire. */
export type ExtFields = Record<string, string>;

/**
 * How a decoded JSON header was laid out, so that re-encoding it gives back the same bytes.
 * Writers that are not Java (ali-ons) order keys differently and send numbers and booleans
 * as raw JSON literals; a command built here has no layout and is written the way Java does.
 */
export interface JsonHeaderLayout {
  /** The parsed header object: its keys in arrival order, and the values of keys this codec does not read. */
  readonly source: Readonly<Record<string, unknown>>;
  /** Ext field names whose values arrived as JSON numbers or booleans, not strings (undefined: none). */
  readonly literalExtFields?: ReadonlySet<string> | undefined;
}

/** One remoting frame: a request or a response (RemotingCommand.java). */
export interface RemotingCommand {
  /** A request code for requests, a response code for responses. */
  code: number;
  /** The sender's language name (JAVA, GO, ...); any string is accepted. */
  language: string;
  /** The sender's RocketMQ version ordinal. */
  version: number;
  /** The request id; a response carries its request's. */
  opaque: number;
  /** Bit 0 marks a response, bit 1 a one-way request. */
  flag: number;
  /** Free text; in responses, what went wrong. */
  remark?: string | undefined;
  /** The custom header. Values are strings, as Java reads them. */
  extFields: ExtFields;
  /** The raw bytes after the header, if any. */
  body?: Buffer | undefined;
  /** How the header was (or is to be) serialised. */
  serializeType: SerializeType;
  /** Present on commands decoded from JSON headers; see JsonHeaderLayout. */
  jsonLayout?: JsonHeaderLayout | undefined;
}

let nextOpaque = 0;

/**
 * A fresh request id. Like Java's process-wide AtomicInteger it starts at 0 and wraps into
 * negative numbers after 2^31 - 1, so that every id fits the int32 field.
 */
export function newOpaque(): number {
  const opaque = nextOpaque;
  nextOpaque = (nextOpaque + 1) | 0;
  return opaque;
}

export interface RequestOptions {
  extFields?: ExtFields | undefined;
  body?: Buffer | undefined;
  remark?: string | undefined;
  oneway?: boolean | undefined;
  serializeType?: SerializeType | undefined;
  opaque?: number | undefined;
  language?: string | undefined;
  version?: number | undefined;
}

/** A request with a fresh opaque (unless one is given). */
export function createRequest(code: number, options: RequestOptions = {}): RemotingCommand {
  return {
    code,
    language: options.language ?? 'JAVA',
    version: options.version ?? REMOTING_VERSION,
    opaque: options.opaque ?? newOpaque(),
    flag: options.oneway ? ONEWAY_FLAG : 0,
    remark: options.remark,
    extFields: options.extFields ?? {},
    body: options.body,
    serializeType: options.serializeType ?? SerializeType.JSON,
  };
}

export interface ResponseOptions {
  remark?: string | undefined;
  extFields?: ExtFields | undefined;
  body?: Buffer | undefined;
}

/**
 * The response to a request: its opaque, the response flag, and the request's serialize type,
 * because clients such as ali-ons can only read the type they sent.
 */
export function createResponse(
  request: RemotingCommand,
  code: number = ResponseCode.SUCCESS,
  options: ResponseOptions = {},
): RemotingCommand {
  return {
    code,
    language: 'JAVA',
    version: REMOTING_VERSION,
    opaque: request.opaque,
    flag: RESPONSE_FLAG,
    remark: options.remark,
    extFields: options.extFields ?? {},
    body: options.body,
    serializeType: request.serializeType,
  };
}

export function isResponse(command: RemotingCommand): boolean {
  return (command.flag & RESPONSE_FLAG) !== 0;
}

export function isOneway(command: RemotingCommand): boolean {
  return (command.flag & ONEWAY_FLAG) !== 0;
}

/** The answer Java gives to a request code it has no processor for. */
export function requestCodeNotSupported(request: RemotingCommand): RemotingCommand {
  return createResponse(request, ResponseCode.REQUEST_CODE_NOT_SUPPORTED, {
    remark: ` request type ${request.code} not supported`,
  });
}
