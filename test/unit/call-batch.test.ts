// `drover call --batch FILE.jsonl`: the lines checked before anything is sent, and the broker's
// address (cli/call-batch.ts).
import { describe, expect, it } from 'vitest';
import { brokerAddress, parseBatchLines } from '../../cli/call-batch.js';

const errors = (text: string) => {
  const r = parseBatchLines(text, 'calls.jsonl');
  return 'errors' in r ? r.errors : [];
};

describe('drover call --batch: JSONL', () => {
  it('takes one request a line, skips blank lines and CRLF endings, and normalizes', () => {
    const r = parseBatchLines(
      [
        '{"id":"a","path":"/x?q=1"}',
        '',
        '  ',
        '{"id":"b","method":"post","path":"/y","headers":{"X-Trace":"t1"},"body":{"n":1}}\r',
        '{"id":"c","method":"PUT","path":"/z","body":"raw text"}',
      ].join('\n'),
      'calls.jsonl',
    );
    if ('errors' in r) throw new Error(r.errors.join('; '));
    expect(r.requests).toEqual([
      { id: 'a', method: 'GET', path: '/x?q=1', headers: {} },
      {
        id: 'b',
        method: 'POST',
        path: '/y',
        headers: { 'x-trace': 't1', 'content-type': 'application/json' },
        body: '{"n":1}',
      },
      { id: 'c', method: 'PUT', path: '/z', headers: {}, body: 'raw text' },
    ]);
    expect(JSON.parse(r.body)).toEqual({ requests: r.requests });
  });

  it('keeps a content type the line gives with a JSON body', () => {
    const r = parseBatchLines(
      '{"id":"a","path":"/","headers":{"Content-Type":"application/x"},"body":[1]}',
      'f',
    );
    expect('requests' in r && r.requests[0]!.headers).toEqual({ 'content-type': 'application/x' });
  });

  it('names the line of each mistake', () => {
    expect(
      errors(
        [
          '{"id":"a","path":"/"}',
          'not json',
          '["id"]',
          '{"path":"/"}',
          '{"id":"","path":"/"}',
          '{"id":"b","path":"x"}',
          '{"id":"c","path":"/a b"}',
          '{"id":"d","path":"/","method":"TRACE"}',
          '{"id":"e","path":"/","headers":{"Content-Length":"3"}}',
          '{"id":"f","path":"/","headers":{"X":"a\\nb"}}',
          '{"id":"a","path":"/"}',
        ].join('\n'),
      ),
    ).toEqual([
      expect.stringMatching(/^calls\.jsonl:2: not JSON/),
      'calls.jsonl:3: not a JSON object',
      'calls.jsonl:4: id must be a string of 1 to 256 characters without control characters',
      'calls.jsonl:5: id must be a string of 1 to 256 characters without control characters',
      'calls.jsonl:6: path must start with / and hold no spaces or control characters (at most 8192)',
      'calls.jsonl:7: path must start with / and hold no spaces or control characters (at most 8192)',
      'calls.jsonl:8: method must be one of GET HEAD POST PUT PATCH DELETE OPTIONS',
      'calls.jsonl:9: header Content-Length is set by the broker',
      'calls.jsonl:10: header X: not a string of at most 8192 characters on one line',
      'calls.jsonl:11: id "a" is used twice (first on line 1)',
    ]);
  });

  it('refuses fields it does not know', () => {
    expect(errors('{"id":"g","path":"/","extra":1}')).toEqual(['calls.jsonl:1: unknown field extra']);
  });

  it('refuses an empty file, and reports ten errors then counts the rest', () => {
    expect(errors('\n\n')).toEqual(['calls.jsonl: no request in the file']);
    const many = errors(Array.from({ length: 25 }, () => '{}').join('\n'));
    expect(many).toHaveLength(11);
    expect(many.at(-1)).toBe('… and 15 more errors');
    expect(errors(Array.from({ length: 11 }, () => '{}').join('\n')).at(-1)).toBe('… and 1 more error');
  });

  it('refuses more than 100,000 requests', () => {
    const text = Array.from({ length: 100_001 }, (_, i) => `{"id":"${i}","path":"/"}`).join('\n');
    expect(errors(text)).toEqual(['calls.jsonl: 100001 requests; a batch holds at most 100000']);
  });
});

describe('drover call: the broker address', () => {
  it('is --broker, else $DROVER_BROKER, else http://127.0.0.1:8700', () => {
    expect(brokerAddress(undefined, {})).toEqual({ host: '127.0.0.1', port: 8700, prefix: '' });
    expect(brokerAddress(undefined, { DROVER_BROKER: 'http://b1:9000/' })).toEqual({
      host: 'b1',
      port: 9000,
      prefix: '',
    });
    expect(brokerAddress('http://[::1]/drover', { DROVER_BROKER: 'http://b1:9000' })).toEqual({
      host: '::1',
      port: 80,
      prefix: '/drover',
    });
    expect(brokerAddress('https://b1', {})).toBe(
      'the broker is reached over http://, not https: (https://b1)',
    );
    expect(brokerAddress('b1:8700', {})).toMatch(/^the broker is reached over http:\/\/, not b1:/);
    expect(brokerAddress('::', {})).toBe('not a broker URL: :: (e.g. http://broker1:8700)');
  });
});
