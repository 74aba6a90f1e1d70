import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseJavaJson } from '@rocketnest/protocol';

/**
 * A JSON config file under storePathRootDir/config as RocketMQ's ConfigManager keeps it: written
 * whole to a temporary file and renamed over the old one, whose previous version stays as
 * `.bak`; read back from the file, or from `.bak` when the file is missing or unreadable.
 */
export class ConfigFile<T> {
  constructor(
    readonly path: string,
    private readonly what: string,
  ) {}

  /** The stored value, or undefined when there is none. Java's fastjson dialect is accepted. */
  load(): T | undefined {
    for (const path of [this.path, `${this.path}.bak`]) {
      if (!existsSync(path)) continue;
      const text = readFileSync(path, 'utf8');
      if (text.trim() === '') continue;
      try {
        return parseJavaJson(text) as T;
      } catch (error) {
        if (path.endsWith('.bak')) {
          throw new Error(`${this.what} in ${path} is not valid JSON (${(error as Error).message}); fix or remove it`, {
            cause: error,
          });
        }
      }
    }
    return undefined;
  }

  persist(value: T): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const text = JSON.stringify(value, null, 2);
    const temporary = `${this.path}.tmp`;
    writeFileSync(temporary, text);
    if (existsSync(this.path)) renameSync(this.path, `${this.path}.bak`);
    renameSync(temporary, this.path);
  }
}
