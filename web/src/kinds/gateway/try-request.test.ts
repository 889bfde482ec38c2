import { describe, expect, it } from 'vitest';
import { doorUrl, readableBody, statusClass, statusLine, tryRequest } from './try-request';

describe("a gateway's try-it request", () => {
  it('sends a body only with methods that carry one, typed JSON when it parses', () => {
    expect(tryRequest('GET', '/orders/', '{"a":1}')).toEqual({ method: 'GET', path: '/orders/' });
    expect(tryRequest('POST', '/orders/', '{"a":1}')).toEqual({
      method: 'POST',
      path: '/orders/',
      body: '{"a":1}',
      headers: { 'content-type': 'application/json' },
    });
    expect(tryRequest('PUT', 'orders/x', 'hello').headers).toEqual({ 'content-type': 'text/plain; charset=utf-8' });
    expect(tryRequest('PUT', ' orders/x ', '').path).toBe('/orders/x');
  });

  it('reads the answer: status line and class, indented JSON, the door URL', () => {
    expect(statusLine(200)).toBe('200 OK');
    expect(statusLine(404)).toBe('404 Not Found');
    expect(statusLine(299)).toBe('299');
    expect([statusClass(204), statusClass(404), statusClass(502)]).toEqual(['ok', 'client', 'server']);
    expect(readableBody('{"ok":true}', 'application/json')).toBe('{\n  "ok": true\n}');
    expect(readableBody('{"ok":true}', 'text/plain')).toBe('{"ok":true}');
    expect(readableBody('{"ok":true}', undefined)).toBe('{\n  "ok": true\n}');
    expect(readableBody('not json', 'application/json')).toBe('not json');
    expect(doorUrl(41234)).toBe('http://127.0.0.1:41234');
    expect(doorUrl(41234, true)).toBe('https://127.0.0.1:41234');
  });
});
