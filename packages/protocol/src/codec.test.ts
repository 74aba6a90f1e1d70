import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  createRequest,
  createResponse,
  decodeFrame,
  encodeFrame,
  isOneway,
  isResponse,
  newOpaque,
  ProtocolError,
  requestCodeName,
  RequestCode,
  requestCodeNotSupported,
  responseCodeName,
  ResponseCode,
  SerializeType,
  type RemotingCommand,
} from './index.js';

const text = fc.string({ unit: 'binary', maxLength: 40 });
const extFields = fc.dictionary(fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }), text, { maxKeys: 8 });

/** Commands as a codec user builds them; 16-bit code and version so the binary header holds them. */
const command = fc.record({
  code: fc.integer({ min: -32768, max: 32767 }),
  language: fc.constantFrom('JAVA', 'GO', 'CPP', 'NODE_JS', 'RUST'),
  version: fc.integer({ min: -32768, max: 32767 }),
  opaque: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  flag: fc.integer({ min: 0, max: 3 }),
  remark: fc.option(fc.string({ unit: 'binary', minLength: 1, maxLength: 60 }), { nil: undefined }),
  extFields,
  body: fc.option(
    fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.uint8Array({ minLength: 16384, maxLength: 20000 })),
    { nil: undefined },
  ),
  serializeType: fc.constantFrom(SerializeType.JSON, SerializeType.ROCKETMQ),
});

/** A frame around a JSON header text, as a hand-written peer might send it. */
function jsonFrame(header: string): Buffer {
  const length = Buffer.byteLength(header);
  const frame = Buffer.alloc(8 + length);
  frame.writeInt32BE(4 + length, 0);
  frame.writeInt32BE(length, 4);
  frame.write(header, 8);
  return frame;
}

function comparable(c: RemotingCommand) {
  return {
    code: c.code,
    language: c.language,
    version: c.version,
    opaque: c.opaque,
    flag: c.flag,
    remark: c.remark,
    extFields: { ...c.extFields },
    body: c.body ? Buffer.from(c.body) : undefined,
    serializeType: c.serializeType,
  };
}

describe('frame codec', () => {
  it('round-trips any command through JSON and binary headers', () => {
    fc.assert(
      fc.property(command, (generated) => {
        const original: RemotingCommand = { ...generated, body: generated.body && Buffer.from(generated.body) };
        const decoded = decodeFrame(encodeFrame(original));
        assert.deepEqual(comparable(decoded), comparable(original));
        // Re-encoding what was decoded changes nothing.
        assert.deepEqual(encodeFrame(decoded), encodeFrame(original));
      }),
      { numRuns: 500 },
    );
  });

  it('writes the length prefix, the serialize type byte and a 24-bit header length', () => {
    const request = createRequest(RequestCode.HEART_BEAT, { body: Buffer.from('{}'), opaque: 7 });
    const frame = encodeFrame(request);
    const headerLength = frame.readUInt32BE(4) & 0xffffff;
    assert.equal(frame.readInt32BE(0), frame.length - 4);
    assert.equal(frame[4], SerializeType.JSON);
    assert.equal(frame.subarray(8 + headerLength).toString(), '{}');
    assert.equal(
      frame.toString('utf8', 8, 8 + headerLength),
      '{"code":34,"flag":0,"language":"JAVA","opaque":7,"serializeTypeCurrentRPC":"JSON","version":409}',
    );
    const binary = encodeFrame({ ...request, serializeType: SerializeType.ROCKETMQ });
    assert.equal(binary[4], SerializeType.ROCKETMQ);
    assert.equal(binary.readUInt32BE(4) & 0xffffff, 21);
  });

  it('writes ext field values as JSON strings, in the order they were set', () => {
    const request = createRequest(RequestCode.GET_MAX_OFFSET, { extFields: { topic: 'T', queueId: '3' }, opaque: 1 });
    const frame = encodeFrame(request);
    assert.match(frame.toString(), /"extFields":\{"topic":"T","queueId":"3"\}/);
  });

  it('builds responses that carry the request opaque, the response flag and the request serialize type', () => {
    const request = createRequest(RequestCode.PULL_MESSAGE, { serializeType: SerializeType.ROCKETMQ });
    const response = createResponse(request, ResponseCode.PULL_NOT_FOUND, { remark: 'OFFSET_OVERFLOW_ONE' });
    assert.equal(response.opaque, request.opaque);
    assert.ok(isResponse(response));
    assert.ok(!isResponse(request));
    assert.equal(response.serializeType, SerializeType.ROCKETMQ);
    assert.deepEqual(comparable(decodeFrame(encodeFrame(response))), comparable(response));
    assert.ok(isOneway(createRequest(RequestCode.UPDATE_CONSUMER_OFFSET, { oneway: true })));
    assert.equal(requestCodeNotSupported(request).remark, ` request type ${RequestCode.PULL_MESSAGE} not supported`);
  });

  it('hands out opaques one apart', () => {
    const first = newOpaque();
    assert.equal(newOpaque(), (first + 1) | 0);
  });

  it('names request and response codes', () => {
    assert.equal(requestCodeName(310), 'SEND_MESSAGE_V2');
    assert.equal(requestCodeName(9999), undefined);
    assert.equal(responseCodeName(19), 'PULL_NOT_FOUND');
    assert.equal(responseCodeName(209), 'UPDATE_AND_CREATE_ACL_CONFIG_FAILED');
  });

  it('reads a lenient JSON header: unknown keys kept aside, defaults for missing fields, literals as strings', () => {
    const decoded = decodeFrame(
      jsonFrame('{"code":11,"opaque":5,"extFields":{"queueId":0,"unitMode":false,"gone":null},"x":[1]}'),
    );
    assert.equal(decoded.language, 'JAVA');
    assert.equal(decoded.version, 0);
    assert.equal(decoded.flag, 0);
    assert.deepEqual({ ...decoded.extFields }, { queueId: '0', unitMode: 'false' });
    // Written back in its own layout; the fields it lacked are written out with their defaults.
    assert.equal(
      encodeFrame(decoded).toString('utf8', 8),
      '{"code":11,"opaque":5,"extFields":{"queueId":0,"unitMode":false},"x":[1],"flag":0,"language":"JAVA","version":0}',
    );
  });

  it('keeps a "__proto__" ext field as a plain key', () => {
    const decoded = decodeFrame(jsonFrame('{"code":11,"extFields":{"__proto__":"x","constructor":"y"}}'));
    assert.equal(Object.getPrototypeOf(decoded.extFields), Object.prototype);
    assert.ok(Object.hasOwn(decoded.extFields, '__proto__'));
    assert.equal(decoded.extFields['__proto__'], 'x');
    assert.equal(decoded.extFields['constructor'], 'y');
    // The same key in a binary header, and back out through both encodings.
    const binary = decodeFrame(
      encodeFrame({ ...decoded, jsonLayout: undefined, serializeType: SerializeType.ROCKETMQ }),
    );
    assert.equal(Object.getPrototypeOf(binary.extFields), Object.prototype);
    assert.deepEqual({ ...binary.extFields }, { ...decoded.extFields });
  });

  for (const [name, header, reason, field] of [
    ['not JSON', '{"code":', 'HEADER_MALFORMED', undefined],
    ['an array', '[1,2]', 'HEADER_MALFORMED', undefined],
    ['no code', '{"opaque":1}', 'HEADER_FIELD_MISSING', 'code'],
    ['a string code', '{"code":"10"}', 'HEADER_FIELD_INVALID', 'code'],
    ['a fractional opaque', '{"code":10,"opaque":1.5}', 'HEADER_FIELD_INVALID', 'opaque'],
    ['a numeric remark', '{"code":10,"remark":5}', 'HEADER_FIELD_INVALID', 'remark'],
    ['ext fields as a list', '{"code":10,"extFields":["a"]}', 'HEADER_FIELD_INVALID', 'extFields'],
    ['a nested ext field', '{"code":10,"extFields":{"a":{"b":1}}}', 'HEADER_FIELD_INVALID', 'extFields.a'],
  ] as const) {
    it(`refuses a JSON header that is ${name}`, () => {
      assert.throws(
        () => decodeFrame(jsonFrame(header)),
        (error: unknown) => error instanceof ProtocolError && error.reason === reason && error.field === field,
      );
    });
  }

  it('refuses a binary header whose remark or ext lengths overrun it', () => {
    const good = encodeFrame({
      ...createRequest(RequestCode.GET_MAX_OFFSET, { extFields: { topic: 'T' }, remark: 'hi' }),
      serializeType: SerializeType.ROCKETMQ,
    });
    for (const [offset, value] of [
      [8 + 13, 1000], // remark length
      [8 + 13, -1],
      [8 + 19, 1000], // ext length
      [8 + 23, 0x7fff], // key length
      [8 + 23, -5],
    ] as const) {
      const bad = Buffer.from(good);
      if (offset === 8 + 23) bad.writeInt16BE(value, offset);
      else bad.writeInt32BE(value, offset);
      assert.throws(
        () => decodeFrame(bad),
        (error: unknown) => error instanceof ProtocolError,
      );
    }
  });
});
