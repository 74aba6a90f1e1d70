import type { Logger } from '@rocketnest/common';
import type { KVConfigManager } from '../kv-config-manager.js';
import type { NamesrvConfig } from '../namesrv-config.js';
import type { RouteInfoManager } from '../route-info-manager.js';

/** What the NameServer's processors share. */
export interface NamesrvContext {
  readonly config: NamesrvConfig;
  readonly routes: RouteInfoManager;
  readonly kv: KVConfigManager;
  readonly logger: Logger;
  /** The namesrv.properties it was started with (-c), which updateNamesrvConfig writes. */
  readonly configFile: string | undefined;
}
