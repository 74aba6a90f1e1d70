import { getInt16, getInt32, putInt16, putInt32 } from '../bytes.js';
/** One message of a SEND_BATCH_MESSAGE body. */
export interface BatchEntry {
  flag: number;
  body: Buffer;
  properties: string;
}

/**
 * Split a batch body (MessageDecoder.encodeMessage entries: totalSize, magic 0, crc 0, flag,
 * body length, body, properties length, properties) into its messages. Bodies are views.
 */
export function decodeBatchBody(body: Buffer): BatchEntry[] {
  const entries: BatchEntry[] = [];
  let at = 0;
  while (at < body.length) {
    if (body.length - at < 22) throw new RangeError(`batch entry at ${at} is cut short`);
    const totalSize = getInt32(body, at);
    const bodyLength = getInt32(body, at + 16);
    if (bodyLength < 0 || at + 22 + bodyLength > body.length)
      throw new RangeError(`batch entry at ${at} overruns the body`);
    const propertiesLength = getInt16(body, at + 20 + bodyLength);
    const end = at + 22 + bodyLength + propertiesLength;
    if (propertiesLength < 0 || end > body.length || totalSize !== end - at) {
      throw new RangeError(`batch entry at ${at} declares ${totalSize} bytes but holds ${end - at}`);
    }
    entries.push({
      flag: getInt32(body, at + 12),
      body: body.subarray(at + 20, at + 20 + bodyLength),
      properties: body.toString('utf8', at + 22 + bodyLength, end),
    });
    at = end;
  }
  return entries;
}

/** Encode messages as a batch body. */
export function encodeBatchBody(entries: readonly BatchEntry[]): Buffer {
  const parts = entries.map((entry) => {
    const properties = Buffer.from(entry.properties, 'utf8');
    const part = Buffer.alloc(22 + entry.body.length + properties.length);
    putInt32(part, part.length, 0);
    putInt32(part, entry.flag, 12);
    putInt32(part, entry.body.length, 16);
    entry.body.copy(part, 20);
    putInt16(part, properties.length, 20 + entry.body.length);
    properties.copy(part, 22 + entry.body.length);
    return part;
  });
  return Buffer.concat(parts);
}
