import { responseCodeName } from '@rocketnest/protocol';

/** A broker or NameServer answered with an error code. */
export class MQBrokerError extends Error {
  override readonly name = 'MQBrokerError';

  constructor(
    readonly code: number,
    readonly remark: string | undefined,
    readonly address: string,
  ) {
    super(`${address} answered ${responseCodeName(code) ?? 'code'} (${code}): ${remark ?? 'no remark'}`);
  }
}

/** The client cannot do what was asked: no route, a bad message, a closed client. */
export class MQClientError extends Error {
  override readonly name = 'MQClientError';
}
