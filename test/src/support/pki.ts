import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** PEM files of a CA made at test time, a server and a client certificate it signed, and a stranger's. */
export interface TestPki {
  dir: string;
  caCert: string;
  serverKey: string;
  serverCert: string;
  clientKey: string;
  clientCert: string;
  /** A self-signed certificate no CA here vouches for. */
  strangerKey: string;
  strangerCert: string;
  read(path: string): Buffer;
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: 'ignore' });
}

/** Sign name's key with the CA; the server's names 127.0.0.1 and localhost. */
function signed(dir: string, name: string, subject: string, extensions: string): void {
  const key = join(dir, `${name}.key`);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-subj', subject, '-out', join(dir, `${name}.csr`)]);
  writeFileSync(join(dir, `${name}.ext`), extensions);
  openssl([
    'x509',
    '-req',
    '-in',
    join(dir, `${name}.csr`),
    '-CA',
    join(dir, 'ca.pem'),
    '-CAkey',
    join(dir, 'ca.key'),
    '-CAcreateserial',
    '-days',
    '1',
    '-extfile',
    join(dir, `${name}.ext`),
    '-out',
    join(dir, `${name}.pem`),
  ]);
}

/** Make the files with openssl in dir (a test's temporaryDir(), say). */
export function testPki(dir: string): TestPki {
  mkdirSync(dir, { recursive: true });
  const selfSigned = (name: string, subject: string) =>
    openssl([
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      subject,
      '-keyout',
      join(dir, `${name}.key`),
      '-out',
      join(dir, `${name}.pem`),
    ]);
  selfSigned('ca', '/CN=RocketNest test CA');
  signed(dir, 'server', '/CN=localhost', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  signed(dir, 'client', '/CN=test-client', 'extendedKeyUsage=clientAuth\n');
  selfSigned('stranger', '/CN=stranger');
  return {
    dir,
    caCert: join(dir, 'ca.pem'),
    serverKey: join(dir, 'server.key'),
    serverCert: join(dir, 'server.pem'),
    clientKey: join(dir, 'client.key'),
    clientCert: join(dir, 'client.pem'),
    strangerKey: join(dir, 'stranger.key'),
    strangerCert: join(dir, 'stranger.pem'),
    read: (path) => readFileSync(path),
  };
}
