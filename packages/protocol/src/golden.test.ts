import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  decodeFrame,
  encodeFrame,
  GetEarliestMsgStoretimeResponseHeader,
  OffsetResponseHeader,
  PullMessageResponseHeader,
  QueryMessageResponseHeader,
  RequestCode,
  requestHeaderCodecs,
  ResponseCode,
  SendMessageResponseHeader,
  type HeaderCodec,
  type RemotingCommand,
} from './index.js';

const fixtures = new URL('../fixtures/golden/', import.meta.url);

function readFrame(set: string, file: string): Buffer {
  return Buffer.from(readFileSync(new URL(`${set}/${file}`, fixtures), 'utf8').trim(), 'hex');
}

function readIndex<T>(set: string): T[] {
  return JSON.parse(readFileSync(new URL(`${set}/index.json`, fixtures), 'utf8')) as T[];
}

interface RocketmqEntry {
  file: string;
  kind: 'request' | 'oneway-request' | 'response';
  requestCode: number;
  code: number;
  opaque: number;
  flag: number;
  language: string;
  version: number;
  serializeType: number;
  frameLength: number;
  headerLength: number;
  remark: string | null;
  extFields: Record<string, string> | null;
  bodyLength: number;
  bodyText?: string;
  bodyHex?: string;
}

interface AliOnsEntry {
  file: string;
  code: number;
  flag: number;
  language: string;
  version: number;
  opaque: number;
  serializeType: number;
  headerLength: number;
  frameLength: number;
  headerJson: string;
  bodyLength: number;
  bodyText?: string;
  bodyHexHead?: string;
}

/** The fields both index files list for every frame. */
type ListedFrame = Pick<
  RocketmqEntry,
  'code' | 'opaque' | 'flag' | 'language' | 'version' | 'serializeType' | 'frameLength' | 'headerLength'
>;

/** Decode a frame and check it against what its index lists. */
function decodeListed(frame: Buffer, entry: ListedFrame): RemotingCommand {
  assert.equal(frame.length, entry.frameLength);
  assert.equal(frame.readUInt32BE(4) & 0xffffff, entry.headerLength);
  const command = decodeFrame(frame);
  assert.equal(command.code, entry.code);
  assert.equal(command.opaque, entry.opaque);
  assert.equal(command.flag, entry.flag);
  assert.equal(command.language, entry.language);
  assert.equal(command.version, entry.version);
  assert.equal(command.serializeType, entry.serializeType);
  return command;
}

function assertBody(command: RemotingCommand, entry: { bodyLength: number; bodyText?: string }, hex?: string): void {
  assert.equal(command.body?.length ?? 0, entry.bodyLength);
  if (entry.bodyText !== undefined) assert.equal(command.body?.toString('utf8'), entry.bodyText);
  if (hex !== undefined) assert.equal(command.body?.toString('hex').slice(0, hex.length), hex);
}

/** The response header class the real broker used for a successful answer to each request code. */
const responseHeaderCodecs = new Map<number, HeaderCodec<object>>([
  [RequestCode.SEND_MESSAGE, SendMessageResponseHeader],
  [RequestCode.SEND_MESSAGE_V2, SendMessageResponseHeader],
  [RequestCode.SEND_BATCH_MESSAGE, SendMessageResponseHeader],
  [RequestCode.SEND_REPLY_MESSAGE, SendMessageResponseHeader],
  [RequestCode.SEND_REPLY_MESSAGE_V2, SendMessageResponseHeader],
  [RequestCode.PULL_MESSAGE, PullMessageResponseHeader],
  [RequestCode.QUERY_MESSAGE, QueryMessageResponseHeader],
  [RequestCode.QUERY_CONSUMER_OFFSET, OffsetResponseHeader],
  [RequestCode.SEARCH_OFFSET_BY_TIMESTAMP, OffsetResponseHeader],
  [RequestCode.GET_MAX_OFFSET, OffsetResponseHeader],
  [RequestCode.GET_MIN_OFFSET, OffsetResponseHeader],
  [RequestCode.GET_EARLIEST_MSG_STORETIME, GetEarliestMsgStoretimeResponseHeader],
]);

/** Every field the typed header writes back must be the string the real peer sent. */
function assertHeaderRoundTrip(codec: HeaderCodec<object>, extFields: Record<string, string>): void {
  const encoded = codec.encode(codec.decode(extFields));
  assert.ok(Object.keys(encoded).length > 0, `${codec.name} read nothing`);
  for (const [key, value] of Object.entries(encoded)) assert.equal(value, extFields[key], `${codec.name}.${key}`);
}

describe('golden frames of Apache RocketMQ 4.9.4 and its Java client', () => {
  const entries = readIndex<RocketmqEntry>('rocketmq-4.9.4');

  it('has all 220 captured frames', () => {
    assert.equal(entries.length, 220);
  });

  for (const entry of entries) {
    it(`${entry.file} decodes to what index.json lists and re-encodes to the same bytes`, () => {
      const frame = readFrame('rocketmq-4.9.4', entry.file);
      const command = decodeListed(frame, entry);
      assert.equal(command.remark, entry.remark ?? undefined);
      assert.deepEqual({ ...command.extFields }, entry.extFields ?? {});
      assertBody(command, entry, entry.bodyHex?.slice(0, 8192));

      assert.deepEqual(encodeFrame(command), frame);

      // Built from scratch, with no memory of how it arrived, the command is still what Java
      // wrote, except that Java writes an empty ext map as {} when a response header class was
      // set but left empty (9 frames), and we leave it out as Java does for no header (63).
      const scratch = encodeFrame({ ...command, jsonLayout: undefined });
      const emptyExtWritten = frame.includes('"extFields":{}');
      if (!emptyExtWritten) assert.deepEqual(scratch, frame);
      const again = decodeFrame(scratch);
      assert.deepEqual({ ...again, jsonLayout: undefined }, { ...command, jsonLayout: undefined });
    });
  }

  it('every request with a custom header decodes with its typed header class', () => {
    let checked = 0;
    for (const entry of entries) {
      if (entry.kind === 'response') continue;
      const codec = requestHeaderCodecs.get(entry.code);
      if (!codec || !entry.extFields) continue;
      assertHeaderRoundTrip(codec, entry.extFields);
      checked++;
    }
    assert.ok(checked > 80, `only ${checked} requests checked`);
  });

  it('every successful answer decodes with its typed response header class', () => {
    let checked = 0;
    for (const entry of entries) {
      if (entry.kind !== 'response' || entry.code !== ResponseCode.SUCCESS) continue;
      const codec = responseHeaderCodecs.get(entry.requestCode);
      if (!codec || !entry.extFields) continue;
      assertHeaderRoundTrip(codec, entry.extFields);
      checked++;
    }
    assert.ok(checked > 25, `only ${checked} responses checked`);
  });
});

describe('golden requests of the npm client ali-ons', () => {
  const entries = readIndex<AliOnsEntry>('ali-ons');

  it('has all 36 captured frames', () => {
    assert.equal(entries.length, 36);
  });

  for (const entry of entries) {
    it(`${entry.file} decodes to what index.json lists and re-encodes to the same bytes`, () => {
      const frame = readFrame('ali-ons', entry.file);
      const command = decodeListed(frame, entry);
      const header = JSON.parse(entry.headerJson) as { extFields?: Record<string, unknown> };
      // ali-ons sends numbers and booleans; they read as Java would read them: as strings.
      const expected = Object.fromEntries(Object.entries(header.extFields ?? {}).map(([k, v]) => [k, String(v)]));
      assert.deepEqual({ ...command.extFields }, expected);
      assertBody(command, entry, entry.bodyHexHead);

      assert.deepEqual(encodeFrame(command), frame);

      const codec = requestHeaderCodecs.get(entry.code);
      if (codec) assertHeaderRoundTrip(codec, command.extFields);
    });
  }
});
