import { readFileSync } from 'node:fs';
import type { Dispenser } from '../../caddyfile/dispenser.js';
import type { JSONObject } from '../types.js';
import { moduleObject } from '../../go/json.js';
import { genericModule, registerFallback, registerModule, unmarshalModule } from './modules.js';

/** The DER certificates of a PEM file, base64-encoded (Caddy's convertPEMFilesToDER). */
export function pemFileToDER(filename: string): string[] {
  const pem = readFileSync(filename, 'utf8');
  const ders: string[] = [];
  const re = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
  for (let m = re.exec(pem); m; m = re.exec(pem)) {
    if (m[1] !== 'CERTIFICATE') throw new Error(`no CERTIFICATE pem block found in ${filename}`);
    ders.push(m[2]!.replace(/\s+/g, ''));
  }
  if (ders.length === 0) throw new Error(`no CERTIFICATE pem block found in ${filename}`);
  return ders;
}

function derFromFile(d: Dispenser, filename: string): string[] {
  try {
    return pemFileToDER(filename);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const msg = err.code === 'ENOENT' ? `open ${filename}: no such file or directory` : err.message;
    throw d.err(msg);
  }
}

/**
 * Syntax:
 *
 *     client_auth {
 *         mode                   [request|require|verify_if_given|require_and_verify]
 *         trust_pool             <module> { ... }
 *         trusted_leaf_cert      <base64_der>
 *         trusted_leaf_cert_file <filename>
 *         verifier               <module> ...
 *     }
 *
 * The deprecated trusted_ca_cert/trusted_ca_cert_file become an `inline` pool.
 */
export function parseClientAuth(d: Dispenser): JSONObject {
  while (d.nextArg()) {
    // like Caddy, tolerate tokens on the opening line
  }
  let ca: JSONObject | undefined;
  const trustedCACerts: string[] = [];
  const leaf: string[] = [];
  const verifiers: JSONObject[] = [];
  let mode: string | undefined;
  const conflict = "cannot specify both 'trust_pool' and 'trusted_ca_cert' or 'trusted_ca_cert_file'";
  for (const n = d.getNesting(); d.nextBlock(n); ) {
    const sub = d.val();
    switch (sub) {
      case 'mode': {
        if (d.countRemainingArgs() > 1) throw d.argErr();
        const a = d.args(1);
        if (!a) throw d.argErr();
        mode = a[0];
        break;
      }
      case 'trusted_ca_cert':
        if (ca) throw d.err(conflict);
        if (!d.nextArg()) throw d.argErr();
        trustedCACerts.push(d.val());
        break;
      case 'trusted_ca_cert_file':
        if (ca) throw d.err(conflict);
        if (!d.nextArg()) throw d.argErr();
        trustedCACerts.push(...derFromFile(d, d.val()));
        break;
      case 'trusted_leaf_cert':
        if (!d.nextArg()) throw d.argErr();
        leaf.push(d.val());
        break;
      case 'trusted_leaf_cert_file':
        if (!d.nextArg()) throw d.argErr();
        leaf.push(...derFromFile(d, d.val()));
        break;
      case 'trust_pool': {
        if (trustedCACerts.length > 0) throw d.err(conflict);
        if (!d.nextArg()) throw d.argErr();
        const name = d.val();
        ca = moduleObject(unmarshalModule(d, `tls.ca_pool.source.${name}`), 'provider', name);
        break;
      }
      case 'verifier': {
        if (!d.nextArg()) throw d.argErr();
        const name = d.val();
        verifiers.push(moduleObject(unmarshalModule(d, `tls.client_auth.verifier.${name}`), 'verifier', name));
        break;
      }
      default:
        throw d.err(`unknown subdirective for client_auth: ${sub}`);
    }
  }
  if (trustedCACerts.length > 0) ca = moduleObject({ trusted_ca_certs: trustedCACerts }, 'provider', 'inline');
  const out: JSONObject = {};
  if (ca) out.ca = ca;
  if (leaf.length > 0) out.trusted_leaf_certs = leaf;
  if (verifiers.length > 0) out.verifiers = verifiers;
  if (mode !== undefined) out.mode = mode;
  return out;
}

/** Parses `key <values...>` lines (and inline args for `firstKey`) into arrays. */
function listOptions(d: Dispenser, allowed: Record<string, string>, inlineKey?: string, what = 'option'): JSONObject {
  d.next();
  const out: JSONObject = {};
  const push = (k: string, vals: string[]) => {
    out[k] = [...((out[k] as string[] | undefined) ?? []), ...vals];
  };
  const inline = d.remainingArgs();
  if (inline.length > 0) {
    if (!inlineKey) throw d.argErr();
    push(inlineKey, inline);
  }
  for (const n = d.getNesting(); d.nextBlock(n); ) {
    const key = allowed[d.val()];
    if (!key) throw d.err(`unrecognized ${what}: ${d.val()}`);
    const vals = d.remainingArgs();
    if (vals.length === 0) throw d.argErr();
    push(key, vals);
  }
  return out;
}

registerModule('tls.ca_pool.source.inline', (d) =>
  listOptions(d, { trust_der: 'trusted_ca_certs' }, 'trusted_ca_certs', 'directive'),
);
registerModule('tls.ca_pool.source.file', (d) => listOptions(d, { pem_file: 'pem_files' }, 'pem_files', 'directive'));
registerModule('tls.ca_pool.source.pki_root', (d) => listOptions(d, { authority: 'authority' }, 'authority', 'directive'));
registerModule('tls.ca_pool.source.pki_intermediate', (d) =>
  listOptions(d, { authority: 'authority' }, 'authority', 'directive'),
);
registerModule('tls.ca_pool.source.combined', (d) => {
  d.next();
  const sources: JSONObject[] = [];
  for (const n = d.getNesting(); d.nextBlock(n); ) {
    if (d.val() !== 'source') throw d.err(`unrecognized directive: ${d.val()}`);
    if (!d.nextArg()) throw d.argErr();
    const name = d.val();
    sources.push(moduleObject(unmarshalModule(d, `tls.ca_pool.source.${name}`), 'provider', name));
  }
  return { sources };
});
registerFallback('tls.ca_pool.source', (d) => genericModule(d));

/** `leaf { file|folder <paths...> }` or `leaf file|folder <paths...>`. */
registerModule('tls.client_auth.verifier.leaf', (d) => {
  d.next();
  const loaders: JSONObject[] = [];
  const one = (dd: Dispenser) => {
    const name = dd.val();
    loaders.push(moduleObject(unmarshalModule(dd, `tls.leaf_cert_loader.${name}`), 'loader', name));
  };
  if (d.nextArg()) one(d);
  for (const n = d.getNesting(); d.nextBlock(n); ) one(d);
  return loaders.length > 0 ? { leaf_certs_loaders: loaders } : {};
});
registerFallback('tls.client_auth.verifier', (d) => genericModule(d));

registerModule('tls.leaf_cert_loader.file', (d) => listOptions(d, {}, 'files'));
registerModule('tls.leaf_cert_loader.folder', (d) => listOptions(d, {}, 'folders'));
registerModule('tls.leaf_cert_loader.pem', (d) => listOptions(d, {}, 'pem'));
