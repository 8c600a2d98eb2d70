// `workers N|auto`: tsweb's global option for request workers (src/adapt/options/workers.ts).
import { describe, expect, it } from 'vitest';
import { adaptCaddyfile } from '../../../src/adapt/index.js';

const adapt = (options: string) => adaptCaddyfile(`{\n\t${options}\n}\n:8080 {\n\trespond ok\n}\n`, 'Caddyfile').config as { apps: { http: Record<string, unknown> } };

describe('workers option', () => {
  it('becomes apps.http.workers: a number or "auto"', () => {
    expect(adapt('workers 4').apps.http.workers).toBe(4);
    expect(adapt('workers auto').apps.http.workers).toBe('auto');
  });

  it('is absent without the option (the JSON stays Caddy\'s)', () => {
    expect('workers' in adapt('debug').apps.http).toBe(false);
  });

  it('refuses anything else', () => {
    expect(() => adapt('workers 0')).toThrow(/workers: expected a number of workers from 1 to 1024 or 'auto', got '0'/);
    expect(() => adapt('workers two')).toThrow(/got 'two'/);
    expect(() => adapt('workers')).toThrow(/wrong argument count/i);
    expect(() => adapt('workers 2 3')).toThrow(/wrong argument count/i);
  });
});
