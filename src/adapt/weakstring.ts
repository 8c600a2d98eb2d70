import { atoi } from '../go/units.js';

/**
 * Caddy's WeakString as it marshals to JSON: an integer when the text is
 * one (`403` → 403), else the string (`{env.CODE}`), so status codes read
 * naturally and placeholders still work.
 */
export function weakString(s: string): string | number {
  try {
    return atoi(s);
  } catch {
    return s;
  }
}
