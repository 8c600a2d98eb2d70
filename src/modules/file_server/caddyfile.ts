/**
 * file_server [<matcher>] [browse] {
 *     fs            <filesystem>
 *     root          <path>
 *     hide          <files...>
 *     index         <files...>
 *     browse        [<template_file>] { reveal_symlinks; sort <by> [<order>]; file_limit <n> }
 *     precompressed [<formats...>]
 *     status        <status>
 *     disable_canonical_uris
 *     pass_thru
 *     etag_file_extensions <exts...>
 * }
 *
 * The Caddyfiles the site was loaded from are always added to `hide`, so a
 * file server rooted at the config directory never serves its own config.
 */
import * as path from 'node:path';
import { handlerDirective } from '../../adapt/registry.js';
import type { Helper } from '../../adapt/helper.js';
import type { BrowseJSON, FileServerConfig } from './config.js';
import { atoi } from '../../go/units.js';
import { weakString } from '../../adapt/weakstring.js';

const sortOptions = ['name', 'namedirfirst', 'size', 'time', 'asc', 'desc'];
const precompressors = ['br', 'zstd', 'gzip'];

export const fileServerDirective = handlerDirective('file_server', (h) => {
  h.next(); // directive name
  const fsrv: FileServerConfig = { handler: 'file_server' };
  let browse: BrowseJSON | undefined;
  const args = h.remainingArgs();
  if (args.length > 1 || (args.length === 1 && args[0] !== 'browse')) throw h.argErr();
  if (args.length === 1) browse = {};

  let fs: string | undefined;
  let root: string | undefined;
  let hide: string[] | undefined;
  let index: string[] | undefined;
  let precompressedOrder: string[] | undefined;
  let status: string | undefined;
  let canonical: boolean | undefined;
  let passThru = false;
  let etagExts: string[] | undefined;

  for (const nesting = h.getNesting(); h.nextBlock(nesting); ) {
    switch (h.val()) {
      case 'fs':
        if (!h.nextArg()) throw h.argErr();
        if (fs !== undefined) throw h.err('file system already specified');
        fs = h.val();
        break;
      case 'hide':
        hide = h.remainingArgs();
        if (hide.length === 0) throw h.argErr();
        break;
      case 'index':
        index = h.remainingArgs();
        if (index.length === 0) throw h.argErr();
        break;
      case 'root': {
        const a = h.args(1);
        if (!a) throw h.argErr();
        root = a[0];
        break;
      }
      case 'browse': {
        if (browse) throw h.err('browsing is already configured');
        browse = {};
        if (h.nextArg()) browse.template_file = h.val();
        for (const n2 = h.getNesting(); h.nextBlock(n2); ) {
          switch (h.val()) {
            case 'reveal_symlinks':
              if (browse.reveal_symlinks) throw h.err('Symlinks path reveal is already enabled');
              browse.reveal_symlinks = true;
              break;
            case 'sort':
              while (h.nextArg()) {
                const v = h.val();
                if (!sortOptions.includes(v)) throw h.err(`unknown sort option '${v}'`);
                (browse.sort ??= []).push(v);
              }
              break;
            case 'file_limit': {
              const a = h.remainingArgs();
              if (a.length !== 1) throw h.err('file_limit should have an integer value');
              // Caddy ignores a non-numeric value here (it becomes 0).
              const n = /^[+-]?\d+$/.test(a[0]!) ? Number(a[0]) : 0;
              if (browse.file_limit) throw h.err('file_limit is already enabled');
              if (n) browse.file_limit = n;
              break;
            }
            default:
              throw h.err(`unknown subdirective '${h.val()}'`);
          }
        }
        break;
      }
      case 'precompressed': {
        precompressedOrder = h.remainingArgs();
        if (precompressedOrder.length === 0) precompressedOrder = [...precompressors];
        for (const f of precompressedOrder) {
          if (!precompressors.includes(f)) {
            throw h.err(`getting module named 'http.precompressed.${f}': module not registered: http.precompressed.${f}`);
          }
        }
        break;
      }
      case 'status':
        if (!h.nextArg()) throw h.argErr();
        status = h.val();
        break;
      case 'disable_canonical_uris':
        if (h.nextArg()) throw h.argErr();
        canonical = false;
        break;
      case 'pass_thru':
        if (h.nextArg()) throw h.argErr();
        passThru = true;
        break;
      case 'etag_file_extensions':
        etagExts = h.remainingArgs();
        if (etagExts.length === 0) throw h.argErr();
        break;
      default:
        throw h.err(`unknown subdirective '${h.val()}'`);
    }
  }

  hide = hideCaddyfiles(h, hide ?? []);

  // Field order of Caddy's FileServer struct.
  if (fs !== undefined) fsrv.fs = fs;
  if (root !== undefined) fsrv.root = root;
  if (hide.length) fsrv.hide = hide;
  if (index) fsrv.index_names = index;
  if (browse) fsrv.browse = orderBrowse(browse);
  if (canonical !== undefined) fsrv.canonical_uris = canonical;
  if (status !== undefined) fsrv.status_code = weakString(status);
  if (passThru) fsrv.pass_thru = true;
  if (precompressedOrder) {
    fsrv.precompressed = Object.fromEntries(precompressedOrder.map((f) => [f, {}]));
    fsrv.precompressed_order = precompressedOrder;
  }
  if (etagExts) fsrv.etag_file_extensions = etagExts;
  return fsrv;
});

function orderBrowse(b: BrowseJSON): BrowseJSON {
  const { template_file, reveal_symlinks, sort, file_limit } = b;
  const out: BrowseJSON = {};
  if (template_file !== undefined) out.template_file = template_file;
  if (reveal_symlinks !== undefined) out.reveal_symlinks = reveal_symlinks;
  if (sort !== undefined) out.sort = sort;
  if (file_limit !== undefined) out.file_limit = file_limit;
  return out;
}

/** Caddy's Helper.Caddyfiles: the files the current site block's tokens came from, sorted. */
export function caddyfilesOf(h: Helper): string[] {
  const files = new Set<string>();
  for (const seg of h.parentBlock?.segments ?? []) for (const t of seg) files.add(t.file);
  return [...files].sort();
}

/** Appends each config file to `hide` unless a pattern already hides it. */
function hideCaddyfiles(h: Helper, hide: string[]): string[] {
  const out = [...hide];
  for (let file of caddyfilesOf(h)) {
    file = path.normalize(file);
    if (fileHidden(file, out)) continue;
    // Without a separator the file server would hide every file of that name.
    if (!file.includes(path.sep)) file = `.${path.sep}${file}`;
    out.push(file);
  }
  return out;
}

/** Caddy's fileHidden: component match for bare names, prefix match for paths, else a glob. */
export function fileHidden(filename: string, hide: string[]): boolean {
  const sep = path.sep;
  for (const pattern of hide) {
    if (!pattern.includes(sep)) {
      if (filename.split(sep).some((c) => globMatch(pattern, c))) return true;
    } else if (filename.startsWith(pattern) && filename.slice(pattern.length).startsWith(sep)) {
      return true;
    }
    if (globMatch(pattern, filename)) return true;
  }
  return false;
}

/** Go's filepath.Match (`*`, `?`, `[...]`, `\` escapes; `*` does not cross separators). */
export function globMatch(pattern: string, name: string): boolean {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) return false;
      // Go negates a class with `^`, as JS does; `!` is an ordinary character.
      const cls = pattern.slice(i + 1, end);
      re += `[${cls}]`;
      i = end;
    } else if (c === '\\' && i + 1 < pattern.length) {
      re += pattern[++i]!.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  try {
    return new RegExp(`${re}$`).test(name);
  } catch {
    return false;
  }
}
