/** Give the message again after this long (instead of the broker's back-off). */
export class RetryOutcome {
  constructor(readonly delayMs: number) {}
}

/** Send the message to the group's dead-letter queue now, for this reason. */
export class DeadLetterOutcome {
  constructor(readonly reason: string) {}
}

/** What a listener may return besides a value: retry after a delay... */
export const Retry = {
  after(ms: number): RetryOutcome {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`Retry.after needs a delay of 0 ms or more, got ${ms}`);
    return new RetryOutcome(ms);
  },
};

/** ... or dead-letter it: it will never succeed. */
export function DeadLetter(reason: string): DeadLetterOutcome {
  return new DeadLetterOutcome(reason);
}

/** Throw this (or a subclass) when retrying cannot help: the message goes straight to the DLQ. */
export class NonRetriableError extends Error {}
