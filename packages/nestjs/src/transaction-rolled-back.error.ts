import type { TransactionSendResult } from '@rocketnest/client';
import { describeError } from './listener-outcome-policy.js';

/**
 * sendInTransaction's rejection when the local transaction rolled back: the handler's execute
 * said rollback, or threw (the cause). The half message was discarded and nobody will get it, so
 * this must not look like a success to the caller (a controller would answer 201).
 */
export class TransactionRolledBackError extends Error {
  constructor(
    /** What the broker was told: the half message's id and the ROLLBACK_MESSAGE state. */
    readonly result: TransactionSendResult,
    topic: string,
    cause?: unknown,
  ) {
    super(
      `the local transaction of a message to ${topic} rolled back${cause === undefined ? '' : ` (execute threw: ${describeError(cause)})`}; the message was discarded`,
      cause === undefined ? undefined : { cause },
    );
    this.name = 'TransactionRolledBackError';
  }
}
