// Entry point of the tsweb executable: dispatches to one module per verb.
// The composition root: registers every module (Caddyfile syntax and runtime).
import '../modules/index.js';
import { command as adapt } from './adapt.js';
import { command as buildInfo } from './build_info.js';
import type { Command } from './command.js';
import { command as environ } from './environ.js';
import { command as fileServer } from './file_server.js';
import { command as fmt } from './fmt.js';
import { command as hashPassword } from './hash_password.js';
import { helpCommand, rootUsage, unknownCommandMessage } from './help.js';
import { command as listModules } from './list_modules.js';
import { command as reload } from './reload.js';
import { command as respond } from './respond.js';
import { command as reverseProxy } from './reverse_proxy.js';
import { command as run } from './run.js';
import { command as start } from './start.js';
import { command as stop } from './stop.js';
import { command as trust } from './trust.js';
import { command as untrust } from './untrust.js';
import { command as validate } from './validate.js';
import { command as version } from './version.js';
import { runAsRequestWorker } from './workers.js';

const commands: Command[] = [adapt, buildInfo, environ, fileServer, fmt, hashPassword, listModules, reload, respond, reverseProxy, run, start, stop, trust, untrust, validate, version];
commands.push(helpCommand(() => commands));

async function main(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  // Like `caddy` alone: the overview, and success.
  if (verb === undefined || verb === '-h' || verb === '--help') {
    process.stdout.write(rootUsage(commands));
    return 0;
  }
  const cmd = commands.find((c) => c.name === verb);
  if (!cmd) {
    process.stderr.write(unknownCommandMessage('command', verb, commands.map((c) => c.name)));
    return 2;
  }
  return cmd.run(rest);
}

// A reader that stops early (`tsweb adapt | head`) is not an error: stop
// quietly, as a Go program killed by SIGPIPE does.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

// process.exitCode rather than process.exit(): output still queued for a
// pipe is written before the process ends. A request worker (`workers N`)
// runs the same executable and serves instead.
if (!runAsRequestWorker()) main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`Error: internal error: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  },
);
