import { Command, CommanderError } from 'commander';
import { Admin, MQBrokerError, MQClientError, type ClientOptions } from '@rocketnest/client';
import { silentLogger } from '@rocketnest/common';
import { RemotingError } from '@rocketnest/remoting';
import { credentialsFrom, tlsFrom } from '../connection-options.js';
import { clusterCommands } from './cluster-commands.js';
import { exportCommands } from './export-commands.js';
import { groupCommands } from './group-commands.js';
import { messageCommands } from './message-commands.js';
import { statsCommands } from './stats-commands.js';
import { Output } from './output.js';
import { topicCommands } from './topic-commands.js';

/** What `rocketnest admin` exits with, for scripts. */
export const ExitCode = {
  OK: 0,
  /** The cluster answered and refused, or what was asked for does not exist. */
  FAILED: 1,
  /** The command line is wrong: an unknown command or option, a missing or malformed value. */
  USAGE: 2,
  /** No NameServer or broker could be reached, or none answered in time. */
  UNREACHABLE: 3,
} as const;

const EXIT_CODES_HELP = `
Exit codes: 0 done; 1 the cluster refused or found nothing; 2 bad command line; 3 no NameServer
or broker answered. Works against RocketNest and Apache RocketMQ clusters alike.`;

/** A problem with what the user typed, found after parsing (exit code 2). */
export class UsageError extends Error {}

/** The cluster answered, but what was asked for is not there or did not happen (exit code 1). */
export class CommandFailed extends Error {}

/** What every admin command works with: a connected Admin, how to print, the NameServers. */
export interface AdminContext {
  admin: Admin;
  output: Output;
  namesrvAddrs: string[];
  /** How the Admin connects, for the producers and consumers some commands start. */
  connection: ClientOptions;
}

export type AdminAction = (
  context: AdminContext,
  options: Record<string, string | boolean | undefined>,
) => Promise<void>;

/** Bind an admin action to a command: connected as the global options say, closed afterwards whatever happens. */
export function runs(command: Command, action: AdminAction): Command {
  return command.action(async (_options: unknown, self: Command) => {
    const options = self.optsWithGlobals<Record<string, string | boolean | undefined>>();
    const namesrvAddr = options['namesrvAddr'];
    if (typeof namesrvAddr !== 'string' || namesrvAddr === '') {
      throw new UsageError('give the NameServers: -n host:port[;host:port] or NAMESRV_ADDR');
    }
    const text = (key: string) => (typeof options[key] === 'string' ? (options[key] as string) : undefined);
    const connection: ClientOptions = {
      namesrvAddr,
      credentials: credentialsFrom({ 'access-key': text('accessKey'), 'secret-key': text('secretKey') }),
      tls: tlsFrom({ tls: options['tls'] === true, 'tls-ca': text('tlsCa') }),
      logger: silentLogger,
    };
    const admin = new Admin(connection);
    try {
      const output = new Output(options['json'] === true);
      await action({ admin, output, namesrvAddrs: namesrvAddr.split(';'), connection }, options);
    } finally {
      await admin.shutdown();
    }
  });
}

/** The `rocketnest admin` command and its subcommands, under mqadmin's names and options. */
export function adminProgram(): Command {
  const program = new Command('rocketnest admin')
    .description("RocketMQ's mqadmin commands, against a RocketNest or Apache RocketMQ cluster")
    .option('-n, --namesrvAddr <addresses>', 'NameServers, host:port[;host:port]', process.env['NAMESRV_ADDR'])
    .option('--json', 'print one JSON document, for scripts')
    .option(
      '--access-key <key>',
      'sign requests with this ACL account (ROCKET_ACCESS_KEY)',
      process.env['ROCKET_ACCESS_KEY'],
    )
    .option('--secret-key <key>', "the account's secret key (ROCKET_SECRET_KEY)", process.env['ROCKET_SECRET_KEY'])
    .option('--tls', 'connect over TLS (ROCKET_TLS=true)', process.env['ROCKET_TLS'] === 'true')
    .option('--tls-ca <file>', 'trust the CA in this PEM file (ROCKET_TLS_CA_FILE)', process.env['ROCKET_TLS_CA_FILE'])
    .addHelpText('after', EXIT_CODES_HELP)
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  for (const add of [clusterCommands, topicCommands, groupCommands, statsCommands, messageCommands, exportCommands])
    add(program);
  for (const command of program.commands) command.exitOverride().addHelpText('after', EXIT_CODES_HELP);
  return program;
}

/** Run `rocketnest admin <argv>`; resolves with the exit code, having said what went wrong. */
export async function runAdmin(argv: string[]): Promise<number> {
  const program = adminProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return ExitCode.OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version were printed by commander and end with code 0.
      return error.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
    }
    const message = (error as Error).message;
    if (error instanceof UsageError) {
      console.error(`rocketnest admin: ${message}\n(add --help for usage)`);
      return ExitCode.USAGE;
    }
    if (error instanceof RemotingError || (error as Error).cause instanceof RemotingError) {
      console.error(`rocketnest admin: ${message}: is the NameServer or broker running at that address?`);
      return ExitCode.UNREACHABLE;
    }
    if (error instanceof MQBrokerError || error instanceof MQClientError || error instanceof CommandFailed) {
      console.error(`rocketnest admin: ${message}`);
      return ExitCode.FAILED;
    }
    throw error;
  }
}
