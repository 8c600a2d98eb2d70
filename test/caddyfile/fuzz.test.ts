// Property-based fuzzing of the Caddyfile front end: grammar-aware generated
// Caddyfiles and mutated real ones must never hit an internal error, must
// adapt/validate/format within a bound, fmt must be idempotent, and fmt must
// not change what a file adapts to where Caddy's formatter does not either.
//
// Seeded and short by default (a few seconds). Longer runs:
//   FUZZ_SECONDS=120 npx vitest run test/caddyfile/fuzz.test.ts
//   FUZZ_RUNS=20000 FUZZ_SEED=7 npx vitest run test/caddyfile/fuzz.test.ts
// The differential run against the real Caddy is `npm run fuzz -- --against caddy`.
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { caddyFmtKeepsMeaning, checkInput, generatedCaddyfile, mutatedCaddyfile, seedCaddyfiles } from './fuzz/caddyfiles.js';

const seed = Number(process.env.FUZZ_SEED ?? 20240610);
const seconds = Number(process.env.FUZZ_SECONDS ?? 0);
const runs = Number(process.env.FUZZ_RUNS ?? 0);
/** Per property: a count (FUZZ_RUNS), a time (FUZZ_SECONDS), or the CI default of ~2 s. */
const params = (defaultRuns: number): fc.Parameters<[string]> => ({
  seed,
  numRuns: runs > 0 ? runs : seconds > 0 ? 1e9 : defaultRuns,
  interruptAfterTimeLimit: seconds > 0 ? seconds * 1000 : runs > 0 ? undefined : 2500,
  markInterruptAsFailure: false,
  endOnFailure: true,
});
const timeout = (seconds > 0 ? seconds * 1000 : runs > 0 ? 600_000 : 5000) + 20_000;

const root = fileURLToPath(new URL('../..', import.meta.url));
const seeds = seedCaddyfiles(root);

describe('fuzzing the Caddyfile front end', () => {
  it(
    'generated Caddyfiles: no internal error, bounded time, fmt idempotent and keeps the meaning',
    () => {
      fc.assert(
        fc.property(generatedCaddyfile, (input) => {
          const r = checkInput(input, caddyFmtKeepsMeaning(input));
          expect(r.problems, `input:\n${input}`).toEqual([]);
        }),
        params(1000),
      );
    },
    timeout,
  );

  it(
    'mutated Caddyfiles: no internal error, bounded time, fmt idempotent where the input parses',
    () => {
      fc.assert(
        fc.property(mutatedCaddyfile(seeds), (input) => {
          const r = checkInput(input, caddyFmtKeepsMeaning(input));
          // Caddy's formatter is not idempotent on some broken files (a `}}`
          // word read as two closing braces, say); tsweb's follows it there.
          const problems = r.adapted.ok ? r.problems : r.problems.filter((p) => !p.startsWith('fmt is not idempotent'));
          expect(problems, `input:\n${input}`).toEqual([]);
        }),
        params(1000),
      );
    },
    timeout,
  );

  it('the generator produces mostly valid Caddyfiles', () => {
    const sample = fc.sample(generatedCaddyfile, { seed, numRuns: 200 });
    const valid = sample.filter((s) => checkInput(s, false).adapted.ok).length;
    expect(valid).toBeGreaterThan(60);
  });
});
