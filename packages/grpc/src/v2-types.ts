/**
 * The apache.rocketmq.v2 messages this service reads and writes, as @grpc/proto-loader gives
 * them (see proto.ts): proto field names, enum names, numbers for int64.
 */
export interface Resource {
  resource_namespace?: string;
  name: string;
}

/** google.protobuf.Timestamp and Duration. */
export interface Timestamp {
  seconds: number;
  nanos: number;
}
export type Duration = Timestamp;

export type MessageType =
  'MESSAGE_TYPE_UNSPECIFIED' | 'NORMAL' | 'FIFO' | 'DELAY' | 'TRANSACTION' | 'LITE' | 'PRIORITY';

export interface SystemProperties {
  tag?: string;
  keys: string[];
  message_id: string;
  body_digest?: { type: 'DIGEST_TYPE_UNSPECIFIED' | 'CRC32' | 'MD5' | 'SHA1'; checksum: string };
  body_encoding: 'ENCODING_UNSPECIFIED' | 'IDENTITY' | 'GZIP';
  message_type: MessageType;
  born_timestamp?: Timestamp;
  born_host: string;
  store_timestamp?: Timestamp;
  store_host?: string;
  delivery_timestamp?: Timestamp;
  receipt_handle?: string;
  queue_id: number;
  queue_offset?: number;
  invisible_duration?: Duration;
  delivery_attempt?: number;
  message_group?: string;
  trace_context?: string;
  orphaned_transaction_recovery_duration?: Duration;
}

export interface Message {
  topic: Resource;
  user_properties: Record<string, string>;
  system_properties: SystemProperties;
  body: Buffer;
}

export interface FilterExpression {
  type: 'FILTER_TYPE_UNSPECIFIED' | 'TAG' | 'SQL';
  expression: string;
}

export interface Address {
  host: string;
  port: number;
}

export interface Endpoints {
  scheme: 'ADDRESS_SCHEME_UNSPECIFIED' | 'IPv4' | 'IPv6' | 'DOMAIN_NAME';
  addresses: Address[];
}

export type ClientType =
  | 'CLIENT_TYPE_UNSPECIFIED'
  | 'PRODUCER'
  | 'PUSH_CONSUMER'
  | 'SIMPLE_CONSUMER'
  | 'PULL_CONSUMER'
  | 'LITE_PUSH_CONSUMER'
  | 'LITE_SIMPLE_CONSUMER';

export function durationMs(duration: Duration | undefined): number | undefined {
  return duration ? duration.seconds * 1000 + Math.floor(duration.nanos / 1e6) : undefined;
}

export function duration(ms: number): Duration {
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 };
}

export function timestamp(ms: number): Timestamp {
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 };
}
