import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import type { Logger } from '@rocketnest/common';
import {
  buildAccount,
  checkAccount,
  parseAclFile,
  withAccount,
  withGlobalWhiteAddresses,
  withoutAccount,
  type PlainAccessConfig,
  type PlainAccount,
} from './plain-acl-config.js';
import { addressMatcher, type AddressMatcher } from './remote-address.js';

/** A file's version, bumped whenever it is read anew or written (DataVersion.java). */
export interface DataVersion {
  timestamp: number;
  counter: number;
}

/** What the loaded files say, swapped in whole so that a request never sees half a reload. */
interface AclState {
  accounts: Map<string, PlainAccount>;
  globalWhite: AddressMatcher[];
  globalWhiteAddresses: string[];
  /** A hash of each file's text when read, to see it change (RocketMQ's watcher compares MD5s). */
  stamps: Map<string, string>;
}

const WATCH_INTERVAL_MS = 500;

/**
 * The accounts of plain_acl.yml and conf/acl/*.yml under rocketmqHome, as RocketMQ's
 * PlainPermissionManager keeps them: read at start, read again when a file changes (checked every
 * 500 ms), rewritten by the ACL admin requests. A file that cannot be read at start stops the
 * broker naming it; one that goes bad later is logged and the last good accounts stay in force.
 */
export class PlainPermissionManager {
  private state: AclState;
  private readonly versions = new Map<string, DataVersion>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly rocketmqHome: string,
    private readonly logger: Logger,
  ) {
    if (!existsSync(this.defaultFile)) {
      throw new Error(
        `aclEnable is true but ${this.defaultFile} does not exist: write the accounts there (see the README's ACL section), or set rocketmqHome to the directory whose conf/plain_acl.yml holds them`,
      );
    }
    this.state = this.load();
  }

  /** conf/plain_acl.yml: where accounts and white addresses go unless another file holds them. */
  get defaultFile(): string {
    return join(this.rocketmqHome, 'conf', 'plain_acl.yml');
  }

  /** Every ACL file: plain_acl.yml, then conf/acl/**\/*.yml and *.yaml (RocketMQ 4.9's layout). */
  files(): string[] {
    const files = [this.defaultFile];
    const walk = (dir: string): void => {
      if (!existsSync(dir)) return;
      for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (/\.ya?ml$/.test(entry.name)) files.push(path);
      }
    };
    walk(join(this.rocketmqHome, 'conf', 'acl'));
    return files;
  }

  private load(): AclState {
    const state: AclState = { accounts: new Map(), globalWhite: [], globalWhiteAddresses: [], stamps: new Map() };
    for (const file of this.files()) {
      const source = readText(file);
      state.stamps.set(file, stamp(source));
      try {
        const content = parseAclFile(source ?? '');
        for (const address of content.globalWhiteRemoteAddresses) {
          state.globalWhite.push(addressMatcher(address));
          state.globalWhiteAddresses.push(address);
        }
        for (const config of content.accounts) {
          if (state.accounts.has(config.accessKey)) {
            throw new Error(`accessKey ${config.accessKey} is also in ${state.accounts.get(config.accessKey)!.file}`);
          }
          state.accounts.set(config.accessKey, buildAccount(config, file));
        }
      } catch (error) {
        throw new Error(`ACL file ${file}: ${(error as Error).message}`, { cause: error });
      }
      const version = this.versions.get(file);
      this.versions.set(file, { timestamp: Date.now(), counter: (version?.counter ?? 0) + 1 });
    }
    return state;
  }

  account(accessKey: string): PlainAccount | undefined {
    return this.state.accounts.get(accessKey);
  }

  inGlobalWhiteList(host: string): boolean {
    return this.state.globalWhite.some((matches) => matches(host));
  }

  /** Read the files again if any changed (or one appeared or went); keep the old accounts if they are bad. */
  reloadIfChanged(): void {
    const files = this.files();
    const changed =
      files.length !== this.state.stamps.size ||
      files.some((file) => this.state.stamps.get(file) !== stamp(readText(file)));
    if (!changed) return;
    try {
      this.state = this.load();
      this.logger.info(`ACL reloaded: ${this.state.accounts.size} accounts from ${files.length} files`);
    } catch (error) {
      this.logger.error(`${(error as Error).message}; the accounts read before stay in force until it is fixed`);
      // Do not report the same bad file every half second.
      this.state.stamps = new Map(files.map((file) => [file, stamp(readText(file))]));
    }
  }

  start(): void {
    this.timer = setInterval(() => this.reloadIfChanged(), WATCH_INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Add or replace an account in the file holding it (plain_acl.yml for a new one). */
  updateAccount(config: PlainAccessConfig): void {
    checkAccount(config);
    buildAccount(config, ''); // throws on a bad pattern or permission before anything is written
    const file = this.account(config.accessKey)?.file ?? this.defaultFile;
    this.rewrite(file, withAccount(readFileSync(file, 'utf8'), config));
  }

  deleteAccount(accessKey: string): void {
    const file = this.account(accessKey)?.file;
    const source = file && withoutAccount(readFileSync(file, 'utf8'), accessKey);
    if (!file || source === undefined) throw new Error(`no account has accessKey ${accessKey}`);
    this.rewrite(file, source);
  }

  /**
   * Replace the global white addresses of plain_acl.yml, or of aclFileFullPath, which must be
   * one of the ACL files (a name from the network never picks another file to write).
   */
  updateGlobalWhiteAddresses(addresses: string[], aclFileFullPath?: string): void {
    for (const address of addresses) addressMatcher(address);
    const file = aclFileFullPath ? resolve(aclFileFullPath) : this.defaultFile;
    if (!this.files().includes(file)) {
      throw new Error(
        `Parameter value ${aclFileFullPath} is not an ACL file of this broker (${relative(this.rocketmqHome, this.defaultFile)} or conf/acl/*.yml)`,
      );
    }
    this.rewrite(file, withGlobalWhiteAddresses(readFileSync(file, 'utf8'), addresses));
  }

  private rewrite(file: string, source: string): void {
    const temporary = join(resolve(file, '..'), `.${basename(file)}.tmp`);
    writeFileSync(temporary, source);
    renameSync(temporary, file);
    this.state = this.load();
  }

  /** Every account and the global white addresses of all files (getAllAclConfig). */
  allConfig(): { globalWhiteAddrs: string[]; plainAccessConfigs: PlainAccessConfig[] } {
    return {
      globalWhiteAddrs: [...this.state.globalWhiteAddresses],
      plainAccessConfigs: [...this.state.accounts.values()].map((account) => account.config),
    };
  }

  /** The version of plain_acl.yml, and of every file by path. */
  version(): DataVersion {
    return this.versions.get(this.defaultFile)!;
  }

  allVersions(): Record<string, DataVersion> {
    return Object.fromEntries(
      this.files().map((file) => [file, this.versions.get(file) ?? { timestamp: 0, counter: 0 }]),
    );
  }
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function stamp(source: string | undefined): string {
  return source === undefined ? 'missing' : createHash('sha1').update(source).digest('hex');
}
