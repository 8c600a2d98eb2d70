/**
 * Response interception shared by reverse_proxy and intercept: named response
 * matchers (`@name { status ...; header ... }`), `replace_status [@name] <code>`
 * and `handle_response [@name] { <directives...> }` (Caddy's
 * caddyhttp.ResponseHandler list, built in two passes like Caddy's
 * UnmarshalCaddyfile + FinalizeUnmarshalCaddyfile).
 */
import type { Dispenser } from '../../caddyfile/dispenser.js';
import type { ResponseMatcherJSON } from '../headers/caddyfile_ops.js';
import type { Helper } from '../../adapt/helper.js';
import { parseNamedResponseMatcher } from '../headers/caddyfile_response_matcher.js';
import type { JSONObject } from '../../adapt/types.js';
import { weakString } from '../../adapt/weakstring.js';

export class ResponseHandling {
  private readonly matchers: Record<string, ResponseMatcherJSON> = {};
  private readonly segments: Dispenser[] = [];

  /** `preset` handlers come first (forward_auth's 2xx handler), then replace_status, then handle_response. */
  constructor(private readonly handlers: JSONObject[] = []) {}

  /**
   * Consumes the subdirective at the current token if it is about response
   * handling; returns false otherwise.
   */
  parseSubdirective(d: Dispenser): boolean {
    const name = d.val();
    if (name.startsWith('@')) {
      parseNamedResponseMatcher(d.newFromNextSegment(), this.matchers);
      return true;
    }
    if (name === 'handle_response') {
      // Its routes need the whole adapter (directive parsing and sorting); see finalize().
      this.segments.push(d.newFromNextSegment());
      return true;
    }
    if (name !== 'replace_status') return false;

    const args = d.remainingArgs();
    if (args.length !== 1 && args.length !== 2) {
      throw d.err('must have one or two arguments: an optional response matcher, and a status code');
    }
    const handler: JSONObject = {};
    if (args.length === 2) {
      handler.match = this.lookup(d, args[0]!);
      handler.status_code = weakString(args[1]!);
    } else {
      handler.status_code = weakString(args[0]!);
    }
    if (d.nextBlock(d.getNesting())) {
      throw d.err("cannot define routes for 'replace_status', use 'handle_response' instead.");
    }
    this.handlers.push(handler);
    return true;
  }

  private lookup(d: Dispenser, name: string): ResponseMatcherJSON {
    if (!name.startsWith('@')) throw d.err("must use a named response matcher, starting with '@'");
    const m = this.matchers[name];
    if (!m) throw d.err(`no named response matcher defined with name '${name.slice(1)}'`);
    return m;
  }

  /**
   * Parses the collected handle_response blocks as routes and returns the
   * handler list (matched ones first, original order otherwise), or undefined
   * if there is none.
   */
  finalize(h: Helper): JSONObject[] | undefined {
    for (const d of this.segments) {
      d.next(); // handle_response
      const args = d.remainingArgs();
      if (args.length > 1) {
        throw d.err(
          `too many arguments for 'handle_response': only a single response matcher name is allowed, but got: [${args.join(' ')}]`,
        );
      }
      const handler: JSONObject = {};
      if (args.length === 1) handler.match = this.lookup(d, args[0]!);
      const subroute = h.withDispenser(d.newFromNextSegment()).parseSegmentAsSubroute();
      const routes = subroute.routes as unknown[] | undefined;
      if (routes && routes.length > 0) handler.routes = routes;
      this.handlers.push(handler);
    }
    const ordered = [...this.handlers.filter((x) => x.match), ...this.handlers.filter((x) => !x.match)];
    return ordered.length > 0 ? ordered : undefined;
  }
}
