// The templates handler's JSON is checked at load, with Caddy's words.
import { describe, expect, it } from 'vitest';
import { decodeTemplates, DEFAULT_MIME_TYPES } from '../../../src/modules/templates/config.js';
import { freePort, serve } from '../../support/net.js';

describe('templates config', () => {
  it('defaults: {http.vars.root} and the three text types', () => {
    expect(decodeTemplates({ handler: 'templates' })).toEqual({ fileRoot: '{http.vars.root}', mimeTypes: DEFAULT_MIME_TYPES, delimiters: null });
  });

  it('an empty mime_types list templates nothing (Go keeps a non-nil empty slice)', () => {
    expect(decodeTemplates({ handler: 'templates', mime_types: [] }).mimeTypes).toEqual([]);
  });

  it('delimiters must be two', () => {
    expect(() => decodeTemplates({ handler: 'templates', delimiters: ['<<'] })).toThrow('delimiters must consist of exactly two elements: opening and closing');
  });

  it('an unknown field names its path', () => {
    expect(() => decodeTemplates({ handler: 'templates', bogus: 1 })).toThrow(/bogus/);
  });

  it('function extensions are plugins: named and refused', () => {
    expect(() => decodeTemplates({ handler: 'templates', match: { hitCounter: {} } })).toThrow('module not registered: http.handlers.templates.functions.hitCounter');
  });

  it('a config with templates loads and runs (it used to be refused as unimplemented)', async () => {
    const port = await freePort();
    const { stop } = await serve({ servers: { s: { listen: [`127.0.0.1:${port}`], routes: [{ handle: [{ handler: 'templates' }, { handler: 'static_response', body: '{{add 1 2}}', headers: { 'Content-Type': ['text/plain'] } }] }] } } });
    try {
      const res = await fetch(`http://127.0.0.1:${port}/`);
      expect(await res.text()).toBe('3');
    } finally {
      await stop();
    }
  });
});
