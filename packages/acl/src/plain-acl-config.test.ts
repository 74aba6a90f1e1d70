import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAclFile, withAccount, withGlobalWhiteAddresses, withoutAccount } from './plain-acl-config.js';

const account = {
  accessKey: 'orders-app',
  secretKey: '12345678',
  admin: false,
  defaultTopicPerm: 'DENY',
  topicPerms: ['Orders=PUB'],
  groupPerms: [],
};

describe('plain_acl.yml', () => {
  it('reads keys YAML takes for numbers as the text written', () => {
    const content = parseAclFile(
      'accounts:\n  - accessKey: 1234567\n    secretKey: 12345678\n    whiteRemoteAddress:\n',
    );
    assert.equal(content.accounts[0]!.secretKey, '12345678');
    assert.equal(content.accounts[0]!.accessKey, '1234567');
    assert.equal(content.accounts[0]!.whiteRemoteAddress, undefined);
  });

  it('says what is wrong with a bad file', () => {
    assert.throws(() => parseAclFile('accounts: [ not: yaml'), /not YAML/);
    assert.throws(() => parseAclFile('accounts: 3'), /accounts must be a list/);
    assert.throws(
      () => parseAclFile('accounts:\n  - accessKey: abcdefg\n    secretKey: 123\n'),
      /accounts\[0\]: The secretKey=123/,
    );
  });

  it('adds, replaces and removes accounts keeping the rest of the file', () => {
    const source =
      '# ours\nglobalWhiteRemoteAddresses:\n  - 10.0.0.*\naccounts:\n  - accessKey: operator\n    secretKey: operator-secret\n    admin: true\n';
    const added = withAccount(source, account);
    assert.match(added, /# ours/);
    assert.deepEqual(
      parseAclFile(added).accounts.map((entry) => entry.accessKey),
      ['operator', 'orders-app'],
    );
    const replaced = withAccount(added, { ...account, topicPerms: ['Orders=SUB'] });
    assert.deepEqual(parseAclFile(replaced).accounts[1]!.topicPerms, ['Orders=SUB']);
    assert.equal(parseAclFile(replaced).accounts.length, 2);
    const removed = withoutAccount(replaced, 'orders-app')!;
    assert.deepEqual(
      parseAclFile(removed).accounts.map((entry) => entry.accessKey),
      ['operator'],
    );
    assert.equal(withoutAccount(removed, 'orders-app'), undefined);
    assert.deepEqual(parseAclFile(withGlobalWhiteAddresses(removed, ['192.168.*'])).globalWhiteRemoteAddresses, [
      '192.168.*',
    ]);
  });

  it('writes the first account into an empty file', () => {
    assert.deepEqual(parseAclFile(withAccount('', account)).accounts[0], {
      ...account,
      whiteRemoteAddress: undefined,
      defaultGroupPerm: undefined,
    });
  });
});
