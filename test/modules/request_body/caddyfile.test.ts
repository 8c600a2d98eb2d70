import { describe, expect, it } from 'vitest';
import { adaptError, handlers } from '../../adapt/handlers-harness.js';

describe('request_body', () => {
  it.each([
    ['max_size 10MB', { max_size: 10_000_000 }],
    ['max_size 1MiB', { max_size: 1_048_576 }],
    ['max_size 512', { max_size: 512 }],
    ['read_timeout 1m30s', { read_timeout: 90e9 }],
    ['write_timeout 500ms', { write_timeout: 5e8 }],
    ['set "{\\"a\\":1}"', { set: '{"a":1}' }],
  ])('%s', (line, cfg) => {
    expect(handlers(`request_body {\n\t${line}\n}`)).toEqual([{ handler: 'request_body', ...cfg }]);
  });

  it('without a block it is a no-op handler', () => {
    expect(handlers('request_body')).toEqual([{ handler: 'request_body' }]);
  });

  it.each([
    ['max_size', 'Wrong argument count'],
    ['max_size 1 2', 'Wrong argument count'],
    ['max_size lots', 'parsing max_size: strconv.ParseFloat: parsing "": invalid syntax'],
    ['max_size 10QB', 'parsing max_size: unhandled size name: qb'],
    ['read_timeout 5', 'parsing read_timeout: time: missing unit in duration "5"'],
    ['read_timeout 1d', 'parsing read_timeout: time: unknown unit "d" in duration "1d"'],
    ['limit 1', "unrecognized request_body subdirective 'limit'"],
  ])('rejects %j', (line, msg) => {
    expect(adaptError(`request_body {\n\t${line}\n}`)).toContain(msg);
  });
});
