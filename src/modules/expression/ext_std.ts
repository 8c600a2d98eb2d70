/**
 * cel-go standard-library overloads the library lacks: the timestamp and
 * duration conversions (string(), int(), and the identities) and the
 * global form of matches() (RE2, like the method).
 */
import type { Environment } from '@marcbachmann/cel-js';

const TS = 'google.protobuf.Timestamp';
const DUR = 'google.protobuf.Duration';

/** cel-go's string(timestamp): RFC 3339 in UTC, the fraction without trailing zeros. */
function timestampString(d: Date): string {
  const iso = d.toISOString();
  return iso.replace(/\.?0*Z$/, 'Z').replace(/\.(\d*?)0+Z$/, '.$1Z');
}

export function registerStd(env: Environment, matches: (s: string, re: string) => boolean): void {
  env.registerFunction(`string(${TS}): string`, timestampString);
  env.registerFunction(`string(${DUR}): string`, (d: { toString(): string }) => d.toString());
  env.registerFunction(`int(${TS}): int`, (d: Date) => BigInt(Math.floor(d.getTime() / 1000)));
  env.registerFunction(`timestamp(${TS}): ${TS}`, (d: Date) => d);
  env.registerFunction(`duration(${DUR}): ${DUR}`, (d: unknown) => d);
  env.registerFunction('matches(string, string): bool', matches);
}
