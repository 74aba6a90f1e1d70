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

/**
 * A table read from a config file (or a master's copy of one), split by the rules of its names:
 * entries whose name breaks them (a file edited by hand, or written before the rules were
 * checked) are reported and set aside. They are never used, so no path, route or lookup is ever
 * made of them; a file's are written back as they were, so it keeps what its owner put there.
 */
export function splitByName<V>(
  table: Record<string, V> | undefined,
  problem: (name: string) => string | undefined,
  report: (message: string) => void,
  /** Where the table came from, for the report: a file's path, or the master. */
  source: string,
): { valid: [string, V][]; setAside: Record<string, V> } {
  const valid: [string, V][] = [];
  // Without a prototype, a name such as "__proto__" is an entry like any other.
  const setAside = Object.create(null) as Record<string, V>;
  for (const [name, value] of Object.entries(table ?? {})) {
    const why = problem(name);
    if (why === undefined) {
      valid.push([name, value]);
    } else {
      setAside[name] = value;
      report(`${source}: ${why}; this entry is left as it is and not used: rename or remove it`);
    }
  }
  return { valid, setAside };
}
