/** A config or input problem: the verb prints `Error: <message>` and exits 1. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}
