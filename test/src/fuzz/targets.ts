import fc from 'fast-check';
import { parseProperties } from '@rocketnest/common';
import {
  compileSql92,
  createRequest,
  decodeBatchBody,
  decodeFrame,
  decodeProperties,
  decodeStoredMessages,
  encodeBatchBody,
  encodeFrame,
  encodeProperties,
  FrameDecoder,
  ProtocolError,
  requestHeaderCodecs,
  SelectorParseError,
  SerializeType,
  storedMessageLength,
  writeStoredMessage,
  type MessageToStore,
} from '@rocketnest/protocol';
import { buildAccount, parseAclFile } from '@rocketnest/acl';

/**
 * A fuzz target: inputs that follow the format's structure (valid values with mutated fields),
 * run through a decoder or parser, which may refuse them only with the errors it documents; any
 * other error (a TypeError, say) or a run over a second is a failure. Inputs go to and from the
 * corpus as bytes.
 */
export interface FuzzTarget<T> {
  name: string;
  arbitrary: fc.Arbitrary<T>;
  run(input: T): void;
  /** The refusals the target documents. */
  refusal(error: unknown): boolean;
  toBytes(input: T): Buffer;
  fromBytes(bytes: Buffer): T;
}

/** Byte-level damage to a valid encoding: flips, overwrites, cuts, insertions. */
type Mutation = { kind: 'set' | 'cut' | 'insert'; at: number; value: number };
const mutations = fc.array(
  fc.record({
    kind: fc.constantFrom<Mutation['kind']>('set', 'set', 'set', 'cut', 'insert'),
    at: fc.nat(),
    value: fc.integer({ min: 0, max: 255 }),
  }),
  { maxLength: 6 },
);

function mutate(bytes: Buffer, changes: readonly Mutation[]): Buffer {
  let out = Buffer.from(bytes);
  for (const change of changes) {
    if (out.length === 0) break;
    const at = change.at % out.length;
    if (change.kind === 'set') out[at] = change.value;
    else if (change.kind === 'cut') out = out.subarray(0, at);
    else out = Buffer.concat([out.subarray(0, at), Buffer.from([change.value]), out.subarray(at)]);
  }
  return out;
}

/** Strings a hostile client would send: names with separators, huge numbers, control characters. */
const hostileText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom(
    '',
    '-1',
    '2147483648',
    '9223372036854775808',
    'NaN',
    '1e309',
    '../../etc/passwd',
    '%RETRY%',
    '%DLQ%x',
  ),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.integer().map(String),
  fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }).map(String),
);

const bytesInput = { toBytes: (b: Buffer) => b, fromBytes: (b: Buffer) => b };
const textInput = { toBytes: (t: string) => Buffer.from(t, 'utf8'), fromBytes: (b: Buffer) => b.toString('utf8') };

const isProtocolRefusal = (error: unknown) => error instanceof ProtocolError || error instanceof RangeError;

/** Valid frames (JSON and binary headers, bodies or none), then damaged. */
const frames = fc
  .tuple(
    fc.record({
      code: fc.integer({ min: -32768, max: 32767 }),
      json: fc.boolean(),
      extFields: fc.dictionary(fc.string({ maxLength: 12 }), hostileText, { maxKeys: 6 }),
      remark: fc.option(fc.string({ maxLength: 30 }), { nil: undefined }),
      body: fc.option(fc.uint8Array({ maxLength: 64 }), { nil: undefined }),
    }),
    mutations,
  )
  .map(([command, changes]) => {
    const request = createRequest(command.code, {
      extFields: command.extFields,
      remark: command.remark,
      body: command.body && Buffer.from(command.body),
      serializeType: command.json ? SerializeType.JSON : SerializeType.ROCKETMQ,
    });
    return mutate(encodeFrame(request), changes);
  });

const frame: FuzzTarget<Buffer> = {
  name: 'frame',
  arbitrary: frames,
  run(bytes) {
    try {
      decodeFrame(bytes);
    } finally {
      // The stream decoder too, fed in two pieces, with a frame-size limit.
      const decoder = new FrameDecoder({ maxFrameLength: 1 << 16 });
      const cut = bytes.length >> 1;
      decoder.push(bytes.subarray(0, cut), () => {});
      decoder.push(bytes.subarray(cut), () => {});
    }
  },
  refusal: isProtocolRefusal,
  ...bytesInput,
};

/** Every request code's header, with its own fields given hostile values, some left out, others added. */
const codecs = [...requestHeaderCodecs.entries()];
const header: FuzzTarget<{ code: number; fields: Record<string, string> }> = {
  name: 'headers',
  arbitrary: fc.integer({ min: 0, max: codecs.length - 1 }).chain((index) => {
    const [code, codec] = codecs[index]!;
    const keys = Object.keys(codec.schema).map((field) => codec.keyOf(field as never));
    return fc
      .tuple(
        fc.record(Object.fromEntries(keys.map((key) => [key, hostileText])), { requiredKeys: [] }),
        fc.dictionary(fc.string({ maxLength: 8 }), hostileText, { maxKeys: 3 }),
      )
      .map(([own, extra]) => ({ code, fields: { ...extra, ...own } as Record<string, string> }));
  }),
  run({ code, fields }) {
    requestHeaderCodecs.get(code)!.decode(fields);
  },
  refusal: isProtocolRefusal,
  toBytes: (input) => Buffer.from(JSON.stringify(input)),
  fromBytes: (bytes) => JSON.parse(bytes.toString('utf8')) as { code: number; fields: Record<string, string> },
};

const storedMessage: fc.Arbitrary<MessageToStore> = fc.record({
  topic: fc.string({ minLength: 1, maxLength: 20 }),
  queueId: fc.integer({ min: 0, max: 1023 }),
  flag: fc.integer(),
  body: fc.uint8Array({ maxLength: 64 }).map((body) => Buffer.from(body)),
  properties: fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 16 })).map((p) => encodeProperties(p)),
  sysFlag: fc.constantFrom(0, 4, 8, 16, 32, 48),
  bornTimestamp: fc.nat(),
  bornHost: fc.constantFrom('127.0.0.1:50000', '[::1]:50000'),
  storeHost: fc.constantFrom('127.0.0.1:10911', '[::1]:10911'),
  reconsumeTimes: fc.nat({ max: 16 }),
  preparedTransactionOffset: fc.nat(),
});

/** CommitLog records as a broker writes them (one to three), then damaged. */
const message: FuzzTarget<Buffer> = {
  name: 'message',
  arbitrary: fc.tuple(fc.array(storedMessage, { minLength: 1, maxLength: 3 }), mutations).map(([messages, changes]) => {
    const parts = messages.map((m, i) => {
      const target = Buffer.alloc(storedMessageLength(m));
      writeStoredMessage(m, { queueOffset: i, physicalOffset: i * 100, storeTimestamp: Date.now() }, target, 0);
      return target;
    });
    return mutate(Buffer.concat(parts), changes);
  }),
  run: (bytes) => void decodeStoredMessages(bytes),
  refusal: isProtocolRefusal,
  ...bytesInput,
};

/** SEND_BATCH_MESSAGE bodies, then damaged. */
const batch: FuzzTarget<Buffer> = {
  name: 'batch',
  arbitrary: fc
    .tuple(
      fc.array(
        fc.record({
          flag: fc.integer(),
          body: fc.uint8Array({ maxLength: 64 }).map((body) => Buffer.from(body)),
          properties: fc
            .dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 16 }))
            .map((p) => encodeProperties(p)),
        }),
        { minLength: 1, maxLength: 4 },
      ),
      mutations,
    )
    .map(([entries, changes]) => mutate(encodeBatchBody(entries), changes)),
  run: (bytes) => void decodeBatchBody(bytes),
  refusal: isProtocolRefusal,
  ...bytesInput,
};

/** Message properties: name\u0001value\u0002 pairs with separators in the wrong places. */
const properties: FuzzTarget<string> = {
  name: 'properties',
  arbitrary: fc.oneof(
    fc.dictionary(hostileText, hostileText).map((p) => encodeProperties(p)),
    fc
      .array(fc.constantFrom('\u0001', '\u0002', 'a', 'KEYS', '=', '\u0000', '\uffff', '😀'), { maxLength: 40 })
      .map((a) => a.join('')),
  ),
  run(text) {
    decodeProperties(text);
    // And a .properties file (broker.conf) made of the same characters.
    parseProperties(text.replaceAll('\u0001', '=').replaceAll('\u0002', '\n'));
  },
  refusal: () => false,
  ...textInput,
};

/** SQL92 selectors from the grammar, then damaged, compiled and run on random properties. */
const operand = fc.oneof(
  fc.constantFrom(
    'a',
    'b',
    'TAGS',
    'x_1',
    "'text'",
    "'it''s'",
    '1',
    '-2',
    '3.5',
    'TRUE',
    'FALSE',
    'NULL',
    '9223372036854775808',
  ),
);
const { expression } = fc.letrec((tie) => ({
  expression: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.tuple(operand, fc.constantFrom('=', '<>', '>', '>=', '<', '<='), operand).map((p) => p.join(' ')),
    fc
      .tuple(operand, fc.array(operand, { minLength: 1, maxLength: 3 }))
      .map(([a, list]) => `${a} IN (${list.join(', ')})`),
    fc.tuple(operand, operand, operand).map(([a, b, c]) => `${a} BETWEEN ${b} AND ${c}`),
    operand.map((a) => `${a} IS NULL`),
    operand.map((a) => `${a} IS NOT NULL`),
    fc
      .tuple(tie('expression'), fc.constantFrom('AND', 'OR'), tie('expression'))
      .map(([a, op, b]) => `(${String(a)}) ${op} (${String(b)})`),
    tie('expression').map((a) => `NOT (${String(a)})`),
  ),
}));
const sql92: FuzzTarget<string> = {
  name: 'sql92',
  arbitrary: fc
    .tuple(
      expression as fc.Arbitrary<string>,
      mutations,
      fc.dictionary(fc.constantFrom('a', 'b', 'TAGS', 'x_1'), hostileText),
    )
    .map(([text, changes, props]) =>
      JSON.stringify({ text: mutate(Buffer.from(text), changes).toString('utf8'), props }),
    ),
  run(input) {
    const { text, props } = JSON.parse(input) as { text: string; props: Record<string, string> };
    compileSql92(text).matches(new Map(Object.entries(props)));
  },
  refusal: (error) => error instanceof SelectorParseError,
  ...textInput,
};

/** plain_acl.yml files from their structure, then damaged, read and their accounts built. */
const aclAccount = fc.record(
  {
    accessKey: hostileText,
    secretKey: hostileText,
    whiteRemoteAddress: fc.oneof(hostileText, fc.constantFrom('*', '192.168.*', '10.0.0.1-200', '1.2.3.{4,5}', '::1')),
    admin: fc.oneof(fc.boolean(), hostileText),
    defaultTopicPerm: fc.constantFrom('DENY', 'PUB', 'SUB', 'PUB|SUB', 'ANY', ''),
    topicPerms: fc.array(fc.oneof(hostileText, fc.constantFrom('a=PUB', 'b=SUB|PUB', '=DENY', 'c=')), { maxLength: 3 }),
  },
  { requiredKeys: [] },
);
const acl: FuzzTarget<string> = {
  name: 'acl',
  arbitrary: fc
    .tuple(
      fc.record({
        globalWhiteRemoteAddresses: fc.array(hostileText, { maxLength: 2 }),
        accounts: fc.array(aclAccount, { maxLength: 3 }),
      }),
      mutations,
    )
    .map(([file, changes]) => {
      const yaml = [
        'globalWhiteRemoteAddresses:',
        ...file.globalWhiteRemoteAddresses.map((a) => `  - ${JSON.stringify(a)}`),
        'accounts:',
        ...file.accounts.map((account) =>
          Object.entries(account)
            .map(([key, value], i) => `${i === 0 ? '  - ' : '    '}${key}: ${JSON.stringify(value)}`)
            .join('\n'),
        ),
      ].join('\n');
      return mutate(Buffer.from(yaml), changes).toString('utf8');
    }),
  run(text) {
    const content = parseAclFile(text);
    for (const account of content.accounts) buildAccount(account, 'plain_acl.yml');
  },
  // parseAclFile and buildAccount refuse with an Error that says what is wrong; a TypeError is a bug.
  refusal: (error) => error instanceof Error && error.constructor === Error,
  ...textInput,
};

export const targets: FuzzTarget<never>[] = [
  frame,
  header,
  message,
  batch,
  properties,
  sql92,
  acl,
] as FuzzTarget<never>[];
