import { defineConfig } from 'vitest/config';

// The grammar is plain text at runtime (esbuild's text loader in the bundle);
// vitest needs the same treatment or it tries to parse .ohm as JavaScript.
export default defineConfig({
  plugins: [
    {
      name: 'ohm-as-text',
      enforce: 'pre',
      transform(code: string, id: string) {
        if (id.endsWith('.ohm')) return { code: `export default ${JSON.stringify(code)};`, map: null };
        return undefined;
      },
    },
  ],
  test: {
    include: ['test/**/*.test.ts', 'e2e/**/*.test.ts'],
    // Registers every module, as the CLI's entry point does.
    setupFiles: ['test/setup.ts'],
    testTimeout: 20000,
    hookTimeout: 30000,
  },
});
