/** What made a frame or header unreadable. */
export type ProtocolErrorReason =
  | 'FRAME_TOO_LARGE'
  | 'FRAME_LENGTH_INVALID'
  | 'HEADER_LENGTH_INVALID'
  | 'SERIALIZE_TYPE_UNKNOWN'
  | 'HEADER_MALFORMED'
  | 'HEADER_FIELD_MISSING'
  | 'HEADER_FIELD_INVALID'
  | 'BODY_FIELD_INVALID';

/**
 * A frame or header that breaks the protocol. The message says what is wrong and, where it
 * helps, what to do; `reason` lets code tell the cases apart, and `field` names the header
 * field at fault.
 */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';

  constructor(
    readonly reason: ProtocolErrorReason,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}
