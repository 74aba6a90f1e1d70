/** How payloads become message bodies and back. */
export interface RocketSerializer {
  serialize(payload: unknown): Buffer | string;
  deserialize(body: Buffer): unknown;
}

/**
 * The default: Buffers and strings go as they are, anything else as JSON; a body that parses as
 * JSON is given as the parsed value, any other as its text.
 */
export const jsonSerializer: RocketSerializer = {
  serialize(payload) {
    if (Buffer.isBuffer(payload) || typeof payload === 'string') return payload;
    return JSON.stringify(payload);
  },
  deserialize(body) {
    const text = body.toString('utf8');
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  },
};

/** Bodies as UTF-8 text. */
export const stringSerializer: RocketSerializer = {
  serialize: (payload) => (Buffer.isBuffer(payload) ? payload : String(payload)),
  deserialize: (body) => body.toString('utf8'),
};

/** Bodies as they are. */
export const bufferSerializer: RocketSerializer = {
  serialize: (payload) => {
    if (Buffer.isBuffer(payload) || typeof payload === 'string') return payload;
    throw new TypeError('bufferSerializer sends Buffers and strings only');
  },
  deserialize: (body) => body,
};
