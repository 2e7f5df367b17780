import { describe, expect, it } from 'vitest';
import { SseParser } from './sse.js';

describe('SseParser', () => {
  it('parses messages split anywhere, with ids, comments, CRLF and multi-line data', () => {
    const text =
      ': stream open\n\nid: 0\nevent: event\ndata: {"seq":0}\n\r\nevent: task\ndata: {"a":\ndata: 1}\r\n\r\n: keep-alive\n\n';
    for (const step of [1, 3, 7, text.length]) {
      const p = new SseParser();
      const got = [];
      for (let i = 0; i < text.length; i += step) got.push(...p.push(text.slice(i, i + step)));
      expect(got).toEqual([
        { event: 'event', data: '{"seq":0}', id: '0' },
        { event: 'task', data: '{"a":\n1}' },
      ]);
    }
  });

  it('keeps an unfinished message until its blank line', () => {
    const p = new SseParser();
    expect(p.push('data: x\n')).toEqual([]);
    expect(p.push('\n')).toEqual([{ event: 'message', data: 'x' }]);
  });
});
