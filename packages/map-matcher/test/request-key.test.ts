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
    // Absolute-form and odd targets, as HAProxy 2.6 computes base (checked by hand and in the
    // differential test).
    { name: 'absolute form', host: 'a.com', path: 'http://Other.com:81/x/y?q=1', key: 'a.com/x/y' },
    { name: 'absolute form without path', host: 'a.com', path: 'http://a.com', key: 'a.com' },
    { name: 'absolute form, slash after ?', host: 'a.com', path: 'http://a.com?x=/y', key: 'a.com/y' },
    { name: 'upper-case scheme', host: 'a.com', path: 'HTTP://a.com/Z', key: 'a.com/Z' },
    { name: 'scheme starting with a digit', host: 'a.com', path: '1x://a/Z', key: 'a.com' },
    { name: 'scheme with underscore', host: 'a.com', path: 'a_b://a/Z', key: 'a.com' },
    { name: 'asterisk', host: 'a.com', path: '*', key: 'a.com' },
    { name: 'relative without slash', host: 'a.com', path: 'abc/d', key: 'a.com' },
    { name: 'double slash is a path', host: 'a.com', path: '//a/b', key: 'a.com//a/b' },
  ])('$name', ({ host, path, key }) => {
    expect(requestKey(host, path)).toBe(key);
  });
});
