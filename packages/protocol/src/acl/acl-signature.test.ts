import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { decodeFrame } from '../frame-codec.js';
import { createRequest } from '../remoting-command.js';
import { RequestCode } from '../request-code.js';
import { AclField, aclSignature, aclSignedContent, signRequest } from './acl-signature.js';

const golden = new URL('../../fixtures/golden/rocketmq-4.9.4/', import.meta.url);

interface Entry {
  file: string;
  extFields: Record<string, string> | null;
}

/** mqadmin 4.9.4 signed these with the key pair of the distribution's conf/tools.yml. */
const TOOLS_KEY = { accessKey: 'rocketmq2', secretKey: '12345678' };

describe('ACL signature', () => {
  const entries = (JSON.parse(readFileSync(new URL('index.json', golden), 'utf8')) as Entry[]).filter(
    (entry) => entry.extFields?.[AclField.ACCESS_KEY] !== undefined,
  );

  it('matches every signature mqadmin 4.9.4 wrote', () => {
    assert.ok(entries.length >= 10, `golden signed frames: ${entries.length}`);
    for (const entry of entries) {
      const hex = readFileSync(new URL(entry.file, golden), 'utf8').trim();
      const frame = decodeFrame(Buffer.from(hex, 'hex'));
      const expected = frame.extFields[AclField.SIGNATURE];
      assert.equal(
        aclSignature(aclSignedContent(frame.extFields, frame.body), TOOLS_KEY.secretKey),
        expected,
        entry.file,
      );
      const resigned = createRequest(frame.code, { extFields: { ...frame.extFields } });
      signRequest(resigned, TOOLS_KEY);
      assert.equal(resigned.extFields[AclField.SIGNATURE], expected, entry.file);
    }
  });

  it('covers the body and every field but Signature and _UNIQUE_KEY_QUERY, in key order', () => {
    const content = aclSignedContent(
      { b: '2', a: '1', Signature: 'x', _UNIQUE_KEY_QUERY: 'false', Z: '0' },
      Buffer.from('body'),
    );
    assert.equal(content.toString(), '012body');
  });

  it('signs a copy of the fields, replacing an old signature', () => {
    const fields = { topic: 'T', Signature: 'stale' };
    const request = createRequest(RequestCode.SEND_MESSAGE, { extFields: fields, body: Buffer.from('hi') });
    signRequest(request, { accessKey: 'RocketMQ', secretKey: '12345678', securityToken: 'tok' });
    assert.deepEqual(fields, { topic: 'T', Signature: 'stale' });
    assert.equal(request.extFields[AclField.SECURITY_TOKEN], 'tok');
    const expected = aclSignature(Buffer.from('RocketMQtokThi'), '12345678');
    assert.equal(request.extFields[AclField.SIGNATURE], expected);
  });
});
