// The tests' composition root: every module registered, as src/cli/main.ts does.
import '../src/modules/index.js';
