import { describe, expect, it } from 'vitest';
import { requestKey } from '../src/index.ts';

describe('requestKey (HAProxy base after lower-casing the Host)', () => {
  it.each([
    { name: 'plain', host: 'example.com', path: '/a', key: 'example.com/a' },
    {
      name: 'host lower-cased, port kept',
      host: 'WWW.Example.COM:8080',
      path: '/x',
      key: 'www.example.com:8080/x',
    },
    { name: 'path case kept', host: 'h', path: '/A/B', key: 'h/A/B' },
    { name: 'query string dropped', host: 'h', path: '/a?b=c?d', key: 'h/a' },
    { name: 'only a query', host: 'h', path: '/?x', key: 'h/' },
    { name: 'fragment kept (not stripped by base)', host: 'h', path: '/a#b', key: 'h/a#b' },
    { name: 'no host', host: '', path: '/a', key: '/a' },
    { name: 'trailing dot kept', host: 'Example.com.', path: '/', key: 'example.com./' },
    { name: 'non-ASCII not lower-cased (C locale)', host: 'ÄB', path: '/', key: 'Äb/' },
  ])('$name', ({ host, path, key }) => {
    expect(requestKey(host, path)).toBe(key);
  });
});
