import { describe, expect, it } from 'vitest';
import { adaptError, handlers } from '../../adapt/handlers-harness.js';

describe('vars', () => {
  // From Caddy's map_and_vars_with_raw_types.caddyfiletest (caddyfile_adapt tests), Apache-2.0.
  it('keeps raw scalar types unless quoted', () => {
    expect(handlers('vars foo bar\nvars {\n\tabc true\n\tdef 1\n\tghi 2.3\n\tjkl "mn op"\n\tmno "4"\n}')).toEqual([
      { handler: 'vars', foo: 'bar' },
      { handler: 'vars', abc: true, def: 1, ghi: 2.3, jkl: 'mn op', mno: '4' },
    ]);
  });

  it('takes a pair on the first line and more in a block', () => {
    expect(handlers('vars a 1 {\n\tb 2\n}')).toEqual([{ handler: 'vars', a: 1, b: 2 }]);
  });

  it.each(['vars a', 'vars a b c', 'vars {\n\ta\n}'])('rejects %j', (src) => {
    expect(adaptError(src)).toContain('Wrong argument count');
  });
});
