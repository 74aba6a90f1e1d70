/** Base class of every transport failure, so that callers can tell them from protocol answers. */
export class RemotingError extends Error {
  override name = 'RemotingError';
}

/** No response came within the request's timeout. */
export class RemotingTimeoutError extends RemotingError {
  override name = 'RemotingTimeoutError';
}

/** A connection could not be made. */
export class RemotingConnectError extends RemotingError {
  override name = 'RemotingConnectError';
}

/** The connection closed (or was closed) while the request was in flight, or before it was sent. */
export class RemotingClosedError extends RemotingError {
  override name = 'RemotingClosedError';
}

/** More requests are in flight on the connection than it allows; back off and retry. */
export class RemotingTooManyRequestsError extends RemotingError {
  override name = 'RemotingTooManyRequestsError';
}
