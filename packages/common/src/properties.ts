/**
 * The settings of `defaults` found in `values` (properties text), each converted to the type
 * of its default: numbers (non-negative), booleans (true/false) or strings. A bad value throws
 * naming the file, the key and what it expects. Keys that defaults lacks are ignored.
 */
export function typedSettings<T extends object>(
  defaults: T,
  values: Readonly<Record<string, string>>,
  file: string,
): Partial<T> {
  const settings: Record<string, unknown> = {};
  for (const [key, fallback] of Object.entries(defaults)) {
    const raw = values[key];
    if (raw === undefined) continue;
    const text = raw.trim();
    if (typeof fallback === 'number') {
      const value = Number(text);
      if (text === '' || !Number.isFinite(value) || value < 0) {
        throw new RangeError(`${file}: ${key} must be a non-negative number, got "${raw}"`);
      }
      settings[key] = value;
    } else if (typeof fallback === 'boolean') {
      if (!/^(true|false)$/i.test(text)) throw new RangeError(`${file}: ${key} must be true or false, got "${raw}"`);
      settings[key] = text.toLowerCase() === 'true';
    } else {
      settings[key] = text;
    }
  }
  return settings as Partial<T>;
}

/**
 * Parse Java properties text (key=value or key: value lines, # and ! comments, trailing-backslash
 * continuation, surrounding spaces trimmed), as broker.conf and namesrv.properties are written.
 */
export function parseProperties(text: string): Record<string, string> {
  const properties: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    while (line.endsWith('\\') && i + 1 < lines.length) line = line.slice(0, -1) + lines[++i]!.trim();
    const match = /^([^=:\s]+)\s*[=:\s]\s*(.*)$/.exec(line);
    if (match) properties[match[1]!] = match[2]!;
    else properties[line] = '';
  }
  return properties;
}

/**
 * Properties text with these settings changed: a key's line is rewritten where it stands, its
 * comments and the other lines kept; keys it lacks are added at the end.
 */
export function updatePropertiesText(text: string, changes: Readonly<Record<string, string>>): string {
  const pending = new Map(Object.entries(changes));
  const lines = text.split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  const updated = lines.map((line) => {
    const key = /^\s*([^=:\s#!]+)\s*[=:\s]/.exec(line)?.[1];
    if (key === undefined || !pending.has(key)) return line;
    const value = pending.get(key)!;
    pending.delete(key);
    return `${key}=${value}`;
  });
  for (const [key, value] of pending) updated.push(`${key}=${value}`);
  return `${updated.join('\n')}\n`;
}

/**
 * An update of running settings from key=value text (mqadmin's updateBrokerConfig and
 * updateNamesrvConfig bodies): each key must belong to one of the settings objects and each value
 * be of its type, else it throws naming what is wrong and nothing is to change. Returns the
 * changes as given (for the config file), each object's typed values (to check before applying),
 * the keys read only at start (atNextStart) among them, and apply(), which sets the others.
 */
export function settingsUpdate<Targets extends readonly object[]>(
  text: string,
  targets: Targets,
  atNextStart: ReadonlySet<string>,
  source: string,
): {
  changes: Record<string, string>;
  values: { [I in keyof Targets]: Partial<Targets[I]> };
  later: string[];
  apply(): void;
} {
  const changes = parseProperties(text);
  if (Object.keys(changes).length === 0) throw new RangeError(`${source}: no setting given: send key=value lines`);
  const unknown = Object.keys(changes).filter((key) => !targets.some((target) => key in target));
  if (unknown.length > 0) throw new RangeError(`${source}: ${unknown.join(', ')}: not a setting here`);
  const values = targets.map((target) => typedSettings(target, changes, source));
  return {
    changes,
    values: values as { [I in keyof Targets]: Partial<Targets[I]> },
    later: Object.keys(changes).filter((key) => atNextStart.has(key)),
    apply() {
      targets.forEach((target, i) =>
        Object.assign(target, Object.fromEntries(Object.entries(values[i]!).filter(([key]) => !atNextStart.has(key)))),
      );
    },
  };
}

/** Settings as properties text: the string, number and boolean ones, a sorted key=value line each. */
export function propertiesText(settings: Readonly<Record<string, unknown>>): string {
  return Object.keys(settings)
    .filter((key) => ['string', 'number', 'boolean'].includes(typeof settings[key]))
    .sort()
    .map((key) => `${key}=${String(settings[key])}\n`)
    .join('');
}
