import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { propertiesText, settingsUpdate, updatePropertiesText } from '@rocketnest/common';
import { validateStoreConfig, type MessageStoreConfig } from '@rocketnest/store';
import { createResponse, encodeJavaJson, ResponseCode, type RemotingCommand } from '@rocketnest/protocol';
import type { BrokerContext } from '../broker-context.js';
import { validateBrokerConfig, type BrokerConfig } from '../broker-config.js';

/** Settings GET_BROKER_CONFIG never shows: the broker's own account. */
const SECRET_SETTINGS = new Set(['accessKey', 'secretKey']);

/**
 * GET_BROKER_CONFIG (26): the broker's and its store's settings as key=value lines, as
 * Configuration.getAllConfigsFormatString writes them, secrets left out. timerWheelEnable=true
 * says, as RocketMQ 5's brokers do, that TIMER_DELIVER_MS is kept (4.x brokers lack the key and
 * deliver such messages at once): our producers read it before they send a delivery time.
 */
export function getBrokerConfig(broker: BrokerContext) {
  const bootTime = Date.now();
  return (request: RemotingCommand): RemotingCommand => {
    const settings: Record<string, unknown> = {
      ...broker.config,
      ...broker.storeConfig,
      // RocketMQ 4.9's keys that mqadmin exportConfigs reads, as they are here: no filter servers,
      // no trace topic of the broker's own (traces go to RMQ_SYS_TRACE_TOPIC), and TLS if its ports take it.
      filterServerNums: 0,
      msgTraceTopicName: 'RMQ_SYS_TRACE_TOPIC',
      traceTopicEnable: false,
      useTLS: broker.useTLS,
    };
    for (const key of SECRET_SETTINGS) delete settings[key];
    return createResponse(request, ResponseCode.SUCCESS, {
      extFields: { version: encodeJavaJson({ counter: 0, stateVersion: 0, timestamp: bootTime }) },
      body: Buffer.from(propertiesText(settings)),
    });
  };
}

/**
 * Settings that name the broker, its ports, files, replication and security, or that its services
 * read once at start: updateBrokerConfig writes them to broker.conf and they take effect at the
 * next start. Every other setting is read where it is used, so it takes effect at once.
 */
const AT_NEXT_START = new Set([
  'brokerClusterName',
  'brokerName',
  'brokerId',
  'brokerIP1',
  'brokerIP2',
  'listenPort',
  'haListenPort',
  'haMasterAddress',
  'haTlsEnable',
  'bindAddress',
  'namesrvAddr',
  'brokerRole',
  'aclEnable',
  'rocketmqHome',
  'accessKey',
  'secretKey',
  'maxConnections',
  'maxConnectionsPerHost',
  'registerNameServerPeriod',
  'flushConsumerOffsetInterval',
  'flushDelayOffsetInterval',
  'metricsExporterType',
  'metricsPromExporterHost',
  'metricsPromExporterPort',
  'storePathRootDir',
  'mappedFileSizeCommitLog',
  'mappedFileSizeConsumeQueue',
  'maxHashSlotNum',
  'maxIndexNum',
  'flushDiskType',
  'messageDelayLevel',
  'timerWheelEnable',
  'transientStorePoolEnable',
  'flushIntervalCommitLog',
  'deleteWhen',
]);

/**
 * UPDATE_BROKER_CONFIG (25), as mqadmin updateBrokerConfig sends it: key=value lines. Every key
 * must be a setting of this broker and every value of its type, else nothing changes and the
 * answer names what is wrong. Settings read where they are used change at once; the others (see
 * AT_NEXT_START) at the next start. All are written to the broker's config file when it has one.
 */
export function updateBrokerConfig(broker: BrokerContext) {
  return (request: RemotingCommand): RemotingCommand => {
    let update: ReturnType<typeof settingsUpdate<[BrokerConfig, MessageStoreConfig]>>;
    try {
      update = settingsUpdate(
        request.body?.toString('utf8') ?? '',
        [broker.config, broker.storeConfig],
        AT_NEXT_START,
        'updateBrokerConfig',
      );
      const [brokerValues, storeValues] = update.values;
      validateStoreConfig({ ...broker.storeConfig, ...storeValues });
      // Checked as at start, but for haTlsEnable, whose TLS settings this request cannot carry.
      validateBrokerConfig({ ...broker.config, ...brokerValues, haTlsEnable: false });
    } catch (error) {
      return createResponse(request, ResponseCode.SYSTEM_ERROR, {
        remark: `${(error as Error).message}; nothing changed`,
      });
    }
    update.apply();
    const { changes, later } = update;
    if (broker.configFile) {
      const text = readFileSync(broker.configFile, 'utf8');
      writeFileSync(`${broker.configFile}.tmp`, updatePropertiesText(text, changes));
      renameSync(`${broker.configFile}.tmp`, broker.configFile);
    }
    broker.logger.info(
      `settings updated: ${Object.entries(changes)
        .map(([key, value]) => `${key}=${SECRET_SETTINGS.has(key) ? '***' : value}`)
        .join(', ')}` +
        (later.length > 0 ? `; ${later.join(', ')} take effect at the next start` : '') +
        (broker.configFile
          ? `; written to ${broker.configFile}`
          : '; no config file to write them to (started without -c)'),
    );
    return createResponse(request);
  };
}
