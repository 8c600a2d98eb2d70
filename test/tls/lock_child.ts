// A second process contending for a FileStorage lock (bundled by file_storage.test.ts).
// argv: root name rounds logFile [holdForever]
import { appendFileSync } from 'node:fs';
import { FileStorage } from '../../src/tls/file_storage.js';

const [root, name, rounds, log, mode] = process.argv.slice(2) as [string, string, string, string, string | undefined];
const s = new FileStorage(root, { lockFreshnessMs: 100, lockPollMs: 5 });

async function main(): Promise<void> {
  if (mode === 'hold') {
    await s.lock(name);
    appendFileSync(log, `locked ${process.pid}\n`);
    setInterval(() => undefined, 1000); // hold until killed
    return;
  }
  for (let i = 0; i < Number(rounds); i++) {
    await s.lock(name);
    appendFileSync(log, `enter ${process.pid}\n`);
    await new Promise((r) => setTimeout(r, 5));
    appendFileSync(log, `exit ${process.pid}\n`);
    await s.unlock(name);
  }
}
void main();
