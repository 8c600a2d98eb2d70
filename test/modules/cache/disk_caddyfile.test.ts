// The disk store's Caddyfile and JSON: cache-handler's storer blocks
// (simplefs, badger, nuts) all configure tsweb's disk store at their path.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeCache, DEFAULT_MAX_BODY } from '../../../src/modules/cache/config.js';
import { DEFAULT_DISK_BYTES, defaultDiskPath } from '../../../src/modules/cache/disk_config.js';
import { adaptError, handlers } from '../../adapt/handlers-harness.js';

const first = (body: string) => handlers(body)[0] as Record<string, unknown>;

describe('disk storers in the Caddyfile', () => {
  it('simplefs with path and configuration { path size directory_size }, as cache-handler reads it', () => {
    expect(
      handlers(`cache {
	simplefs {
		path /var/cache/a
		configuration {
			size 1000
			directory_size 500MB
		}
	}
}`),
    ).toEqual([{ handler: 'cache', ttl: 120e9, simplefs: { path: '/var/cache/a', configuration: { size: '1000', directory_size: '500MB' } } }]);
  });

  it('badger { path } and nuts { path }; a bare simplefs; an unknown sub-option is refused with its name', () => {
    expect(first('cache {\n\tbadger {\n\t\tpath /tmp/badger\n\t}\n}').badger).toEqual({ path: '/tmp/badger' });
    expect(first('cache {\n\tnuts {\n\t\tconfiguration {\n\t\t\tDir /tmp/nuts\n\t\t\tSyncEnable true\n\t\t}\n\t}\n}').nuts).toEqual({ configuration: { Dir: '/tmp/nuts', SyncEnable: 'true' } });
    expect(first('cache {\n\tsimplefs\n}').simplefs).toEqual({});
    expect(adaptError('cache {\n\tsimplefs {\n\t\tcolour red\n\t}\n}')).toMatch(/unsupported simplefs directive: colour/);
  });
});

describe('disk storers in JSON', () => {
  it('maps each storer to the disk store at its path, with its budgets', () => {
    const c = decodeCache({ handler: 'cache', simplefs: { path: '/a', configuration: { size: '10', directory_size: '2MB' } } });
    expect(c.disk).toEqual({ storer: 'simplefs', path: '/a', maxBytes: 2_000_000, maxEntries: 10 });
    expect(c.ignored).toEqual([]);
    // With a disk store, larger bodies may be stored: a quarter of the directory budget (at most 1 GiB).
    expect(c.maxBodyBytes).toBe(500_000);
    expect(decodeCache({ handler: 'cache', simplefs: { configuration: { path: '/b', directory_size: 4096 } } }).disk?.path).toBe('/b');
    expect(decodeCache({ handler: 'cache', badger: { configuration: { ValueDir: '/c' } } }).disk).toEqual({ storer: 'badger', path: '/c', maxBytes: DEFAULT_DISK_BYTES, maxEntries: 0 });
    expect(decodeCache({ handler: 'cache', nuts: { path: '/d' } }).disk?.path).toBe('/d');
    expect(decodeCache({ handler: 'cache', simplefs: {} }).disk?.path).toBe(defaultDiskPath());
    expect(defaultDiskPath().endsWith(join('tsweb', 'cache'))).toBe(true);
    // Two storers: the first is used, the other named as ignored.
    expect(decodeCache({ handler: 'cache', simplefs: { path: '/a' }, badger: { path: '/b' } }).ignored).toEqual(['badger']);
    // Without one, nothing changes.
    const plain = decodeCache({ handler: 'cache' });
    expect([plain.disk, plain.maxBodyBytes, plain.memoryBodyMax]).toEqual([undefined, DEFAULT_MAX_BODY, 4 << 20]);
  });

  it('refuses a bad size with its path', () => {
    expect(() => decodeCache({ handler: 'cache', simplefs: { configuration: { directory_size: 'lots' } } })).toThrow('simplefs.configuration.directory_size: strconv.ParseFloat');
    expect(() => decodeCache({ handler: 'cache', simplefs: { colour: 'red' } })).toThrow('json: unknown field "colour"');
  });
});
