import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkPermission, parsePermission, parseResourcePerms, Permission } from './permission.js';

describe('ACL permissions', () => {
  it('check as Permission.checkPermission: DENY wins, ANY is PUB or SUB, else a shared bit', () => {
    const { DENY, ANY, PUB, SUB } = Permission;
    assert.equal(checkPermission(PUB, PUB | SUB), true);
    assert.equal(checkPermission(SUB, PUB), false);
    assert.equal(checkPermission(PUB, DENY | PUB), false);
    assert.equal(checkPermission(ANY, SUB), true);
    assert.equal(checkPermission(ANY, DENY), false);
  });

  it('read what plain_acl.yml writes, an unknown permission as DENY', () => {
    assert.equal(parsePermission('PUB|SUB'), Permission.PUB | Permission.SUB);
    assert.equal(parsePermission('sub|pub'), Permission.PUB | Permission.SUB);
    assert.equal(parsePermission(undefined), Permission.DENY);
    assert.equal(parsePermission('ALL'), Permission.DENY);
    assert.deepEqual(
      [...parseResourcePerms(['groupA=SUB', ' groupB = DENY '], 'group')],
      [
        ['%RETRY%groupA', Permission.SUB],
        ['%RETRY%groupB', Permission.DENY],
      ],
    );
  });

  it('refuse resource entries that are not resource=PERM, naming them', () => {
    assert.throws(() => parseResourcePerms(['topicA'], 'topic'), /topicPerms: "topicA" is not resource=PERM/);
    assert.throws(() => parseResourcePerms(['topicA=ALL'], 'topic'), /has no permission RocketMQ knows/);
  });
});
