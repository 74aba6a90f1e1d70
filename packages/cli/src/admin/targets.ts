import type { Command } from 'commander';
import { parseProperties } from '@rocketnest/common';
import { MQBrokerError } from '@rocketnest/client';
import { createRequest, parseJavaJson, ResponseCode } from '@rocketnest/protocol';
import type { AdminContext } from './admin-program.js';
import { UsageError } from './admin-program.js';

/** -b broker address or -c cluster, as mqadmin's broker commands take them. */
export function brokerOrCluster(command: Command, what = 'the broker'): Command {
  return command
    .option('-b, --brokerAddr <host:port>', `${what} at this address`)
    .option(
      '-c, --clusterName <name>',
      `every master of this cluster (${what} of every cluster when neither is given)`,
    );
}

/** The brokers -b or -c name: that address, or the cluster's masters. */
export async function targetBrokers(
  { admin }: AdminContext,
  options: Record<string, string | boolean | undefined>,
): Promise<string[]> {
  if (typeof options['brokerAddr'] === 'string') return [options['brokerAddr']];
  return admin.masters(typeof options['clusterName'] === 'string' ? options['clusterName'] : undefined);
}

/** A request to every NameServer given, answered by each (the write-permission and KV commands). */
export async function eachNamesrv(
  { admin, namesrvAddrs }: AdminContext,
  code: number,
  extFields: Record<string, string>,
  body?: Buffer,
): Promise<{ namesrv: string; extFields: Record<string, string>; body: string }[]> {
  const answers = [];
  for (const namesrv of namesrvAddrs) {
    const response = await admin.call(namesrv, code, extFields, body);
    answers.push({ namesrv, extFields: response.extFields, body: response.body?.toString('utf8') ?? '' });
  }
  return answers;
}

/** A broker's or NameServer's settings (GET_BROKER_CONFIG, GET_NAMESRV_CONFIG), as key and value. */
export async function settingsOf(
  { admin }: AdminContext,
  address: string,
  code: number,
): Promise<Record<string, string>> {
  const response = await admin.call(address, code);
  return parseProperties(response.body?.toString('utf8') ?? '');
}

/** A JSON body of a broker's answer, in fastjson's dialect. */
export async function brokerBody<T>(
  { admin }: AdminContext,
  address: string,
  code: number,
  extFields: Record<string, string> = {},
): Promise<T> {
  const response = await admin.call(address, code, extFields);
  return parseJavaJson(response.body?.toString('utf8') ?? '{}') as T;
}

/** Like brokerBody, but a refusal with one of `absent` answers undefined (a group not online, say). */
export async function optionalBrokerBody<T>(
  { admin }: AdminContext,
  address: string,
  code: number,
  extFields: Record<string, string>,
  absent: number[],
): Promise<T | undefined> {
  const response = await admin.instance.remoting.invoke(address, createRequest(code, { extFields }));
  if (absent.includes(response.code)) return undefined;
  if (response.code !== ResponseCode.SUCCESS) throw new MQBrokerError(response.code, response.remark, address);
  return parseJavaJson(response.body?.toString('utf8') ?? '{}') as T;
}

/** A required option's text (commander checks presence; this narrows the type). */
export function text(options: Record<string, string | boolean | undefined>, name: string): string {
  const value = options[name];
  if (typeof value !== 'string') throw new UsageError(`--${name} is required`);
  return value;
}

/** A whole number option, or the fallback; anything else is a usage error naming the option. */
export function integer(options: Record<string, string | boolean | undefined>, name: string, fallback: number): number {
  const value = options[name];
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number)) throw new UsageError(`--${name} must be a whole number, got "${String(value)}"`);
  return number;
}

/** now, ms since the epoch, or an ISO-like date and time in local time. */
export function parseTime(value: string): number {
  if (value === 'now') return Date.now();
  if (/^\d+$/.test(value)) return Number(value);
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed))
    throw new UsageError(`cannot read "${value}" as a time: give now, ms since the epoch, or 2026-12-07T10:00:00`);
  return parsed;
}
