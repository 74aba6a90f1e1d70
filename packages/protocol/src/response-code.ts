import { invert } from './request-code.js';

/**
 * Response codes: RemotingSysResponseCode (0-4) and ResponseCode (4.9.x and 5.x).
 * Where 4.x and 5.x give one number two meanings, both names are kept and point to it.
 */
export const ResponseCode = {
  SUCCESS: 0,
  SYSTEM_ERROR: 1,
  SYSTEM_BUSY: 2,
  REQUEST_CODE_NOT_SUPPORTED: 3,
  TRANSACTION_FAILED: 4,
  FLUSH_DISK_TIMEOUT: 10,
  SLAVE_NOT_AVAILABLE: 11,
  FLUSH_SLAVE_TIMEOUT: 12,
  MESSAGE_ILLEGAL: 13,
  SERVICE_NOT_AVAILABLE: 14,
  VERSION_NOT_SUPPORTED: 15,
  NO_PERMISSION: 16,
  TOPIC_NOT_EXIST: 17,
  TOPIC_EXIST_ALREADY: 18,
  PULL_NOT_FOUND: 19,
  PULL_RETRY_IMMEDIATELY: 20,
  PULL_OFFSET_MOVED: 21,
  QUERY_NOT_FOUND: 22,
  SUBSCRIPTION_PARSE_FAILED: 23,
  SUBSCRIPTION_NOT_EXIST: 24,
  SUBSCRIPTION_NOT_LATEST: 25,
  SUBSCRIPTION_GROUP_NOT_EXIST: 26,
  FILTER_DATA_NOT_EXIST: 27,
  FILTER_DATA_NOT_LATEST: 28,
  /** 5.x; 4.x answers SYSTEM_ERROR for the same checks */
  INVALID_PARAMETER: 29,
  TRANSACTION_SHOULD_COMMIT: 200,
  TRANSACTION_SHOULD_ROLLBACK: 201,
  TRANSACTION_STATE_UNKNOW: 202,
  TRANSACTION_STATE_GROUP_WRONG: 203,
  NO_BUYER_ID: 204,
  NOT_IN_CURRENT_UNIT: 205,
  CONSUMER_NOT_ONLINE: 206,
  CONSUME_MSG_TIMEOUT: 207,
  NO_MESSAGE: 208,
  /** 4.x name of 209 */
  UPDATE_AND_CREATE_ACL_CONFIG_FAILED: 209,
  /** 4.x name of 210 */
  DELETE_ACL_CONFIG_FAILED: 210,
  /** 4.x name of 211 */
  UPDATE_GLOBAL_WHITE_ADDRS_CONFIG_FAILED: 211,
  /** 5.x name of 209 */
  POLLING_FULL: 209,
  /** 5.x name of 210 */
  POLLING_TIMEOUT: 210,
  /** 5.x name of 211 */
  BROKER_NOT_EXIST: 211,
  /** 5.x */
  BROKER_DISPATCH_NOT_COMPLETE: 212,
  /** 5.x */
  BROADCAST_CONSUMPTION: 213,
  /** 5.x */
  FLOW_CONTROL: 215,
  /** 5.x */
  NOT_LEADER_FOR_QUEUE: 501,
  /** 5.x */
  ILLEGAL_OPERATION: 604,
  /** 5.x proxies, when shutting down */
  GO_AWAY: 1500,
  /** 5.x */
  USER_NOT_EXIST: 3001,
  /** 5.x */
  POLICY_NOT_EXIST: 3002,
} as const;

export type ResponseCodeName = keyof typeof ResponseCode;

const responseCodeNames = invert(ResponseCode);
// 209-211 keep their 4.x names, which is what a 4.x peer means by them.
responseCodeNames.set(209, 'UPDATE_AND_CREATE_ACL_CONFIG_FAILED');
responseCodeNames.set(210, 'DELETE_ACL_CONFIG_FAILED');
responseCodeNames.set(211, 'UPDATE_GLOBAL_WHITE_ADDRS_CONFIG_FAILED');

/** The name of a response code, or undefined when the code is not a known one. */
export function responseCodeName(code: number): ResponseCodeName | undefined {
  return responseCodeNames.get(code);
}
