import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseProperties, typedSettings, updatePropertiesText } from './index.js';

describe('Java properties files', () => {
  it('reads key=value, key: value and key value lines, comments and continuations', () => {
    const text = [
      '# broker.conf',
      '! also a comment',
      'brokerName = broker-a',
      'listenPort:10911',
      'namesrvAddr 127.0.0.1:9876;\\',
      '   127.0.0.1:9877',
      '',
      'flag',
      '  spaced  =  value with spaces  ',
    ].join('\r\n');
    assert.deepEqual(parseProperties(text), {
      brokerName: 'broker-a',
      listenPort: '10911',
      namesrvAddr: '127.0.0.1:9876;127.0.0.1:9877',
      flag: '',
      spaced: 'value with spaces',
    });
  });

  it('types settings by their defaults and refuses bad values naming the file and key', () => {
    const defaults = { listenPort: 9876, orderMessageEnable: false, kvConfigPath: '/x' };
    assert.deepEqual(
      typedSettings(defaults, { listenPort: ' 19876 ', orderMessageEnable: 'TRUE', other: 'ignored' }, 'n.properties'),
      { listenPort: 19876, orderMessageEnable: true },
    );
    assert.throws(
      () => typedSettings(defaults, { listenPort: '-1' }, 'n.properties'),
      /n\.properties: listenPort must be a non-negative number, got "-1"/,
    );
    assert.throws(
      () => typedSettings(defaults, { orderMessageEnable: 'yes' }, 'n.properties'),
      /orderMessageEnable must be true or false, got "yes"/,
    );
  });

  it('rewrites a setting where it stands, keeping comments and other lines, and adds new ones at the end', () => {
    const text = '# the broker\nbrokerName = broker-a\n# flushing\nflushDiskType=ASYNC_FLUSH\n';
    const updated = updatePropertiesText(text, { flushDiskType: 'SYNC_FLUSH', maxMessageSize: '1024' });
    assert.equal(
      updated,
      '# the broker\nbrokerName = broker-a\n# flushing\nflushDiskType=SYNC_FLUSH\nmaxMessageSize=1024\n',
    );
    assert.deepEqual(parseProperties(updated), {
      brokerName: 'broker-a',
      flushDiskType: 'SYNC_FLUSH',
      maxMessageSize: '1024',
    });
  });
});
