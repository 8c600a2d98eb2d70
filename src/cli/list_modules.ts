/**
 * `tsweb list-modules`: Caddy's `caddy list-modules` (cmd/commandfuncs.go
 * cmdListModules): the module IDs this binary has, sorted, read from the
 * registries themselves (apps, http.handlers.*, http.matchers.*), plus the
 * Caddyfile adapter and the admin API's routes. All ship with tsweb, so all
 * are "standard".
 */
import pkg from '../../package.json' with { type: 'json' };
import { appModules } from '../core/app.js';
import { handlerModules, matcherModules } from '../core/registry.js';
import type { Command } from './command.js';
import { type FlagSpec, flagsHelp } from './flags.js';
import { type CliIO, processIO } from './io.js';
import { runFlagsVerb } from './verb.js';

const flags: FlagSpec[] = [
  { name: 'packages', type: 'bool', help: 'Print package paths' },
  { name: 'versions', type: 'bool', help: 'Print version information' },
  { name: 'skip-standard', short: 's', type: 'bool', help: 'Skip printing standard modules' },
  { name: 'json', type: 'bool', help: 'Print modules in JSON format' },
];

const usage = `Lists the modules this tsweb binary has, by Caddy module ID.

Usage:
  tsweb list-modules [--packages] [--versions] [--skip-standard] [--json]

Flags:
${flagsHelp(flags)}
`;

/** The admin API's routes, which Caddy registers as modules too. */
const adminModules = ['admin.api.load', 'admin.api.pki', 'admin.api.reverse_proxy'];

export function moduleIDs(): string[] {
  const ids = [
    ...appModules.keys(),
    ...[...handlerModules.values()].map((m) => `http.handlers.${m.name}`),
    ...[...matcherModules.values()].map((m) => `http.matchers.${m.name}`),
    'caddy.adapters.caddyfile',
    ...adminModules,
  ];
  return [...new Set(ids)].sort();
}

export async function runListModules(args: string[], io: CliIO): Promise<number> {
  return runFlagsVerb(io, usage, args, flags, async (opts) => {
    const ids = moduleIDs();
    const version = `v${pkg.version}`;
    if (opts.bools.get('json')) {
      const out = opts.bools.get('skip-standard') ? [] : ids.map((id) => ({ module_name: id, module_type: 'standard', version, package_url: pkg.name }));
      io.stdout(`${JSON.stringify(out, null, 2)}\n`);
      return 0;
    }
    if (!opts.bools.get('skip-standard')) {
      for (const id of ids) {
        let line = id;
        if (opts.bools.get('versions')) line += ` ${version}`;
        if (opts.bools.get('packages')) line += ` ${pkg.name}`;
        io.stdout(`${line}\n`);
      }
      io.stdout(`\n  Standard modules: ${ids.length}\n`);
    }
    return 0;
  });
}

export const command: Command = {
  name: 'list-modules',
  summary: 'Lists the installed tsweb modules',
  usage,
  run: (args) => runListModules(args, processIO()),
};
