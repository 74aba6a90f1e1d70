import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { propertiesText, settingsUpdate, updatePropertiesText } from '@rocketnest/common';
import { createResponse, ResponseCode, type RemotingCommand } from '@rocketnest/protocol';
import type { NamesrvContext } from './namesrv-context.js';

/** Settings read once at start (ports, limits, ACL, metrics): written to the file, in effect at the next start. */
const AT_NEXT_START = new Set([
  'listenPort',
  'bindAddress',
  'scanNotActiveBrokerInterval',
  'maxConnections',
  'maxConnectionsPerHost',
  'aclEnable',
  'rocketmqHome',
  'metricsExporterType',
  'metricsPromExporterHost',
  'metricsPromExporterPort',
]);

/** GET_NAMESRV_CONFIG (319): every setting as key=value lines, as mqadmin getNamesrvConfig prints them. */
export function getNamesrvConfig(context: NamesrvContext) {
  return (request: RemotingCommand): RemotingCommand => {
    const settings = context.config as unknown as Record<string, unknown>;
    return createResponse(request, ResponseCode.SUCCESS, { body: Buffer.from(propertiesText(settings)) });
  };
}

/**
 * UPDATE_NAMESRV_CONFIG (318), as mqadmin updateNamesrvConfig sends it: key=value lines, each a
 * setting of this NameServer with a value of its type, else nothing changes. Settings read where
 * they are used change at once, the others at the next start; all are written to the
 * namesrv.properties it was started with, when there is one.
 */
export function updateNamesrvConfig(context: NamesrvContext) {
  return (request: RemotingCommand): RemotingCommand => {
    let update: ReturnType<typeof settingsUpdate<[NamesrvContext['config']]>>;
    try {
      update = settingsUpdate(
        request.body?.toString('utf8') ?? '',
        [context.config],
        AT_NEXT_START,
        'updateNamesrvConfig',
      );
    } catch (error) {
      return createResponse(request, ResponseCode.SYSTEM_ERROR, {
        remark: `${(error as Error).message}; nothing changed`,
      });
    }
    update.apply();
    const file = context.configFile;
    if (file) {
      writeFileSync(`${file}.tmp`, updatePropertiesText(readFileSync(file, 'utf8'), update.changes));
      renameSync(`${file}.tmp`, file);
    }
    const { later } = update;
    context.logger.info(
      `settings updated: ${Object.entries(update.changes)
        .map(([key, value]) => `${key}=${value}`)
        .join(', ')}${later.length > 0 ? `; ${later.join(', ')} take effect at the next start` : ''}${
        file ? `; written to ${file}` : ''
      }`,
    );
    return createResponse(request);
  };
}
