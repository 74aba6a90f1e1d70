import { ProtocolError } from './protocol-error.js';
import type { ExtFields, JsonHeaderLayout, RemotingCommand } from './remoting-command.js';

/** The header part of a command: everything but the body and the serialize type. */
export type CommandHeader = Pick<
  RemotingCommand,
  'code' | 'language' | 'version' | 'opaque' | 'flag' | 'remark' | 'extFields' | 'jsonLayout'
>;

/** Top-level keys the way fastjson writes them: sorted, with its serializeTypeCurrentRPC marker. */
const JAVA_KEYS = ['code', 'extFields', 'flag', 'language', 'opaque', 'remark', 'serializeTypeCurrentRPC', 'version'];

/**
 * The JSON header text of a command. A command decoded from JSON is written back in the layout
 * it arrived in; any other is written as a Java peer writes it: keys sorted, ext field values as
 * strings, remark and extFields left out when empty.
 */
export function encodeJsonHeader(command: CommandHeader): string {
  if (command.jsonLayout) return encodeInLayout(command, command.jsonLayout);
  // The hot path, written out: every request and response this project builds takes it.
  const ext = JSON.stringify(command.extFields);
  const language = command.language === 'JAVA' ? '"JAVA"' : JSON.stringify(command.language);
  const remark = command.remark == null ? '' : `,"remark":${JSON.stringify(command.remark)}`;
  return (
    `{"code":${command.code}${ext === '{}' ? '' : `,"extFields":${ext}`},"flag":${command.flag},` +
    `"language":${language},"opaque":${command.opaque}${remark},"serializeTypeCurrentRPC":"JSON",` +
    `"version":${command.version}}`
  );
}

function encodeInLayout(command: CommandHeader, layout: JsonHeaderLayout): string {
  const keys = Object.keys(layout.source);
  // Fields the arriving header lacked but the command now has go last.
  for (const key of JAVA_KEYS) {
    if (!keys.includes(key) && key !== 'serializeTypeCurrentRPC' && knownValue(key, command, layout) !== undefined) {
      keys.push(key);
    }
  }
  let text = '';
  for (const key of keys) {
    const value = JAVA_KEYS.includes(key) ? knownValue(key, command, layout) : JSON.stringify(layout.source[key]);
    if (value !== undefined) text += `${text === '' ? '' : ','}"${key}":${value}`;
  }
  return `{${text}}`;
}

function knownValue(key: string, command: CommandHeader, layout: JsonHeaderLayout): string | undefined {
  switch (key) {
    case 'code':
      return String(command.code);
    case 'flag':
      return String(command.flag);
    case 'opaque':
      return String(command.opaque);
    case 'version':
      return String(command.version);
    case 'language':
      return JSON.stringify(command.language);
    case 'remark':
      return command.remark == null ? undefined : JSON.stringify(command.remark);
    case 'serializeTypeCurrentRPC':
      return JSON.stringify(layout.source[key]);
    default: {
      const literals = layout.literalExtFields;
      let text = '';
      for (const name in command.extFields) {
        const value = command.extFields[name]!;
        text += `${text === '' ? '' : ','}${JSON.stringify(name)}:${literals?.has(name) ? value : JSON.stringify(value)}`;
      }
      return text !== '' || Object.hasOwn(layout.source, 'extFields') ? `{${text}}` : undefined;
    }
  }
}

/**
 * Parse a JSON header. Lenient as the spec asks of a server: unknown keys are kept (in the
 * layout), language may be any string, missing fields take Java's defaults, and ext field values
 * that arrive as numbers or booleans (ali-ons) become their Java string form.
 */
export function decodeJsonHeader(buffer: Buffer, start: number, end: number): CommandHeader {
  let parsed: unknown;
  try {
    parsed = JSON.parse(buffer.toString('utf8', start, end));
  } catch (error) {
    throw new ProtocolError('HEADER_MALFORMED', `JSON header is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ProtocolError('HEADER_MALFORMED', 'JSON header must be an object');
  }
  const header = parsed as Record<string, unknown>;
  const { extFields, literalExtFields } = extFieldsOf(header['extFields']);
  return {
    code: intField(header, 'code', undefined),
    language: stringField(header, 'language') ?? 'JAVA',
    version: intField(header, 'version', 0),
    opaque: intField(header, 'opaque', 0),
    flag: intField(header, 'flag', 0),
    remark: stringField(header, 'remark'),
    extFields,
    jsonLayout: { source: header, literalExtFields },
  };
}

function intField(header: Record<string, unknown>, key: string, fallback: number | undefined): number {
  const value = header[key];
  if (value === undefined || value === null) {
    if (fallback === undefined) throw new ProtocolError('HEADER_FIELD_MISSING', `JSON header has no "${key}"`, key);
    return fallback;
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < -(2 ** 31) || value >= 2 ** 32) {
    throw new ProtocolError(
      'HEADER_FIELD_INVALID',
      `JSON header "${key}" must be a 32-bit integer, got ${JSON.stringify(value)}`,
      key,
    );
  }
  // Read as Java's int: values written unsigned wrap to their signed form.
  return value | 0;
}

function stringField(header: Record<string, unknown>, key: string): string | undefined {
  const value = header[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    throw new ProtocolError(
      'HEADER_FIELD_INVALID',
      `JSON header "${key}" must be a string, got ${JSON.stringify(value)}`,
      key,
    );
  }
  return value;
}

/**
 * The parsed ext map itself, checked in place: values that arrived as numbers or booleans are
 * replaced by their string form and remembered, nulls are dropped. Reusing the object JSON.parse
 * made keeps decoding cheap; JSON.parse defines every key as an own property, so a key such as
 * "__proto__" is a plain key here too.
 */
function extFieldsOf(value: unknown): { extFields: ExtFields; literalExtFields: Set<string> | undefined } {
  if (value === undefined || value === null) return { extFields: {}, literalExtFields: undefined };
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ProtocolError('HEADER_FIELD_INVALID', 'JSON header "extFields" must be an object', 'extFields');
  }
  const extFields = value as Record<string, unknown>;
  let literalExtFields: Set<string> | undefined;
  for (const key in extFields) {
    const field = extFields[key];
    if (typeof field === 'string') continue;
    if (typeof field === 'number' || typeof field === 'boolean') {
      extFields[key] = String(field);
      (literalExtFields ??= new Set()).add(key);
    } else if (field === null) {
      delete extFields[key];
    } else {
      throw new ProtocolError(
        'HEADER_FIELD_INVALID',
        `JSON header ext field "${key}" must be a string, number or boolean`,
        `extFields.${key}`,
      );
    }
  }
  return { extFields: extFields as ExtFields, literalExtFields };
}
