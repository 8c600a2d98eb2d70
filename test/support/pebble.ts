// Pebble, the ACME test CA (Debian's pebble 2.4), with pebble-challtestsrv as
// its DNS server so every name resolves to 127.0.0.1 (and no AAAA: the
// challenge servers listen on 127.0.0.1). Loopback only; both processes are
// stopped by pid. This file imports nothing from src, so e2e tests can use it.
//
//   const pebble = await startPebble({ httpPort, tlsPort });
//   pebble.directory   // https://127.0.0.1:<port>/dir
//   pebble.caFile      // the root Pebble's own HTTPS certificate chains to (acme_ca_root)
//   await pebble.root() // PEM of the root Pebble signs certificates with (its management port)
//   pebble.issued()    // certificates issued so far (from Pebble's log)
//   await pebble.stop()
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { freePort } from './free_port.js';

export interface PebbleOptions {
  /** Where Pebble's VA sends HTTP-01 validations (tsweb's http_port). */
  httpPort: number;
  /** Where Pebble's VA sends TLS-ALPN-01 validations (tsweb's https_port). */
  tlsPort: number;
  /** certificateValidityPeriod in seconds (renewal tests use short ones). */
  validitySeconds?: number;
  /** PEBBLE_WFE_NONCEREJECT: the percentage of good nonces refused. */
  nonceReject?: number;
  /** External account binding: required, with these key IDs and base64url MAC keys. */
  eab?: Record<string, string>;
  /** PEBBLE_AUTHZREUSE (default 0 here: every order solves its challenges). */
  authzReuse?: number;
  /** PEBBLE_ALTERNATE_ROOTS: extra chains (each to its own root) offered beside the default one. */
  alternateRoots?: number;
}

export interface Pebble {
  directory: string;
  /** The CA file for Pebble's own HTTPS (what acme_ca_root names). */
  caFile: string;
  /** Pebble's HTTPS certificate and key (valid for 127.0.0.1 and localhost, signed by caFile): a test's own HTTPS endpoint can use them. */
  certFile: string;
  keyFile: string;
  managementURL: string;
  /** Root n (0: the default chain's; 1.. the alternate chains'). */
  root(n?: number): Promise<string>;
  intermediate(n?: number): Promise<string>;
  /** How many certificates Pebble has issued since it started. */
  issued(): number;
  /** Pebble's output so far. */
  output(): string;
  stop(): Promise<void>;
}

function waitFor(proc: ChildProcess, text: string, out: () => string, ms = 15_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for "${text}":\n${out()}`)), ms);
    const check = () => {
      if (out().includes(text)) {
        clearTimeout(timer);
        resolve();
      }
    };
    proc.stdout?.on('data', check);
    proc.stderr?.on('data', check);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before "${text}":\n${out()}`));
    });
    check();
  });
}

function stopProc(p: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (p.exitCode !== null || p.signalCode !== null) return resolve();
    p.once('exit', () => resolve());
    p.kill('SIGTERM');
    setTimeout(() => p.kill('SIGKILL'), 3000).unref();
  });
}

// Pebble logs "ACME directory available" before its management listener
// (a separate goroutine) is bound, so a refused connection is retried briefly.
async function get(url: string, ca: Buffer): Promise<string> {
  for (let i = 0; ; i++) {
    try {
      return await getOnce(url, ca);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ECONNREFUSED' || i >= 50) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function getOnce(url: string, ca: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    request(url, { ca }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks).toString()) : reject(new Error(`${url}: ${res.statusCode}`))));
    })
      .on('error', reject)
      .end();
  });
}

export async function startPebble(opts: PebbleOptions): Promise<Pebble> {
  const dir = mkdtempSync(join(tmpdir(), 'tsweb-pebble-'));
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  ssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '30', '-subj', '/CN=tsweb test pebble CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  ssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'key.pem', '-out', 'leaf.csr', '-subj', '/CN=localhost');
  writeFileSync(join(dir, 'leaf.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n');
  ssl('x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'cert.pem', '-days', '30', '-extfile', 'leaf.ext');

  const [listen, mgmt, dns, dnsMgmt] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const config = {
    pebble: {
      listenAddress: `127.0.0.1:${listen}`,
      managementListenAddress: `127.0.0.1:${mgmt}`,
      certificate: join(dir, 'cert.pem'),
      privateKey: join(dir, 'key.pem'),
      httpPort: opts.httpPort,
      tlsPort: opts.tlsPort,
      ocspResponderURL: '',
      externalAccountBindingRequired: opts.eab !== undefined,
      ...(opts.eab !== undefined ? { externalAccountMACKeys: opts.eab } : {}),
      ...(opts.validitySeconds !== undefined ? { certificateValidityPeriod: opts.validitySeconds } : {}),
    },
  };
  writeFileSync(join(dir, 'pebble.json'), JSON.stringify(config));

  let dnsOut = '';
  const chall = spawn('pebble-challtestsrv', ['-defaultIPv4', '127.0.0.1', '-defaultIPv6', '', '-dns01', `127.0.0.1:${dns}`, '-http01', '', '-https01', '', '-tlsalpn01', '', '-management', `127.0.0.1:${dnsMgmt}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  chall.stdout.on('data', (c: Buffer) => (dnsOut += c.toString()));
  chall.stderr.on('data', (c: Buffer) => (dnsOut += c.toString()));
  let out = '';
  let pebble: ChildProcess | null = null;
  try {
    await waitFor(chall, 'Starting management server', () => dnsOut);
    pebble = spawn('pebble', ['-config', join(dir, 'pebble.json'), '-dnsserver', `127.0.0.1:${dns}`, '-strict'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: String(opts.nonceReject ?? 0), PEBBLE_AUTHZREUSE: String(opts.authzReuse ?? 0), PEBBLE_ALTERNATE_ROOTS: String(opts.alternateRoots ?? 0) },
    });
    pebble.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    pebble.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    await waitFor(pebble, 'ACME directory available', () => out);
  } catch (err) {
    await stopProc(chall);
    if (pebble) await stopProc(pebble);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const ca = readFileSync(join(dir, 'ca.pem'));
  const managementURL = `https://127.0.0.1:${mgmt}`;
  const p = pebble;
  return {
    directory: `https://127.0.0.1:${listen}/dir`,
    caFile: join(dir, 'ca.pem'),
    certFile: join(dir, 'cert.pem'),
    keyFile: join(dir, 'key.pem'),
    managementURL,
    root: (n = 0) => get(`${managementURL}/roots/${n}`, ca),
    intermediate: (n = 0) => get(`${managementURL}/intermediates/${n}`, ca),
    issued: () => (out.match(/Issued certificate serial/g) ?? []).length,
    output: () => out,
    async stop() {
      await Promise.all([stopProc(p), stopProc(chall)]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
