import type { Dispenser } from '../../caddyfile/dispenser.js';

/**
 * Caddy's Dispenser.DeleteN: removes the `n` tokens ending at the cursor, so
 * shortcut directives can strip their own subdirectives before handing the
 * rest to the reverse_proxy parser.
 */
export function deleteN(d: Dispenser, n: number): void {
  if (n <= 0) return;
  // delete() removes the current token and steps back one.
  for (let i = 0; i < n && d.token() !== undefined; i++) d.delete();
}
