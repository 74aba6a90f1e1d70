import { ResponseCode } from '@rocketnest/protocol';

/** apache.rocketmq.v2.Code, by the names the loaded proto gives its enum values. */
export type Code =
  | 'OK'
  | 'MULTIPLE_RESULTS'
  | 'BAD_REQUEST'
  | 'ILLEGAL_ACCESS_POINT'
  | 'ILLEGAL_TOPIC'
  | 'ILLEGAL_CONSUMER_GROUP'
  | 'ILLEGAL_MESSAGE_TAG'
  | 'ILLEGAL_MESSAGE_KEY'
  | 'ILLEGAL_MESSAGE_GROUP'
  | 'ILLEGAL_MESSAGE_PROPERTY_KEY'
  | 'INVALID_TRANSACTION_ID'
  | 'ILLEGAL_MESSAGE_ID'
  | 'ILLEGAL_FILTER_EXPRESSION'
  | 'ILLEGAL_INVISIBLE_TIME'
  | 'ILLEGAL_DELIVERY_TIME'
  | 'INVALID_RECEIPT_HANDLE'
  | 'MESSAGE_PROPERTY_CONFLICT_WITH_TYPE'
  | 'UNRECOGNIZED_CLIENT_TYPE'
  | 'CLIENT_ID_REQUIRED'
  | 'ILLEGAL_POLLING_TIME'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'MESSAGE_NOT_FOUND'
  | 'TOPIC_NOT_FOUND'
  | 'CONSUMER_GROUP_NOT_FOUND'
  | 'REQUEST_TIMEOUT'
  | 'MESSAGE_BODY_TOO_LARGE'
  | 'MESSAGE_BODY_EMPTY'
  | 'TOO_MANY_REQUESTS'
  | 'MESSAGE_PROPERTIES_TOO_LARGE'
  | 'INTERNAL_ERROR'
  | 'INTERNAL_SERVER_ERROR'
  | 'HA_NOT_AVAILABLE'
  | 'NOT_IMPLEMENTED'
  | 'PROXY_TIMEOUT'
  | 'MASTER_PERSISTENCE_TIMEOUT'
  | 'SLAVE_PERSISTENCE_TIMEOUT'
  | 'UNSUPPORTED'
  | 'VERIFY_FIFO_MESSAGE_UNSUPPORTED'
  | 'FAILED_TO_CONSUME_MESSAGE';

/** apache.rocketmq.v2.Status: every response carries one. */
export interface Status {
  code: Code;
  message: string;
}

export const OK: Status = { code: 'OK', message: 'OK' };

/** A request refused with a v5 code and words that say what is wrong. */
export class StatusError extends Error {
  constructor(
    readonly code: Code,
    message: string,
  ) {
    super(message);
  }
}

/** The status to answer a failed call with: its own code, or INTERNAL_SERVER_ERROR. */
export function statusOf(error: unknown): Status {
  if (error instanceof StatusError) return { code: error.code, message: error.message };
  return { code: 'INTERNAL_SERVER_ERROR', message: (error as Error)?.message ?? String(error) };
}

/** A broker's remoting response code as the v5 code the proxy answers with (ProxyException's mapping). */
const CODE_OF_RESPONSE: ReadonlyMap<number, Code> = new Map<number, Code>([
  [ResponseCode.SUCCESS, 'OK'],
  [ResponseCode.SYSTEM_BUSY, 'TOO_MANY_REQUESTS'],
  [ResponseCode.FLOW_CONTROL, 'TOO_MANY_REQUESTS'],
  [ResponseCode.REQUEST_CODE_NOT_SUPPORTED, 'NOT_IMPLEMENTED'],
  [ResponseCode.FLUSH_DISK_TIMEOUT, 'MASTER_PERSISTENCE_TIMEOUT'],
  [ResponseCode.FLUSH_SLAVE_TIMEOUT, 'SLAVE_PERSISTENCE_TIMEOUT'],
  [ResponseCode.SLAVE_NOT_AVAILABLE, 'HA_NOT_AVAILABLE'],
  [ResponseCode.MESSAGE_ILLEGAL, 'BAD_REQUEST'],
  [ResponseCode.NO_PERMISSION, 'FORBIDDEN'],
  [ResponseCode.TOPIC_NOT_EXIST, 'TOPIC_NOT_FOUND'],
  [ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST, 'CONSUMER_GROUP_NOT_FOUND'],
  [ResponseCode.SUBSCRIPTION_PARSE_FAILED, 'ILLEGAL_FILTER_EXPRESSION'],
  [ResponseCode.INVALID_PARAMETER, 'BAD_REQUEST'],
  [ResponseCode.QUERY_NOT_FOUND, 'MESSAGE_NOT_FOUND'],
]);

/** Throw the broker's refusal as a StatusError unless the response code is one of ok. */
export function checkResponse(
  response: { code: number; remark?: string | undefined },
  what: string,
  ok: readonly number[] = [ResponseCode.SUCCESS],
): void {
  if (ok.includes(response.code)) return;
  const code = CODE_OF_RESPONSE.get(response.code) ?? 'INTERNAL_SERVER_ERROR';
  throw new StatusError(
    code,
    `${what}: the broker answered ${response.code}${response.remark ? `: ${response.remark}` : ''}`,
  );
}
