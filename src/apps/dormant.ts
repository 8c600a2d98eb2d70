/**
 * Apps Caddy configures that tsweb does not run yet (pki, events):
 * accepted so adapted configs load, with a warning that their settings
 * have no effect. Each is replaced by a real app as it is built.
 */
import type { App, AppModule } from '../core/app.js';

const idle: App = {
  start: () => Promise.resolve(),
  stop: () => Promise.resolve(),
  cleanup: () => Promise.resolve(),
};

export function dormantApp(name: string): AppModule {
  return {
    name,
    provision(_json, ctx) {
      if (!ctx.validating) ctx.runtimeLog('warn', '', `the ${name} app is not implemented yet; its config is ignored`, { app: name });
      return idle;
    },
  };
}
