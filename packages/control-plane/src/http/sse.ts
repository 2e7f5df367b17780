import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * A Server-Sent Events response: the browser's EventSource and the CLI read the same stream. A comment
 * line every 15 s keeps proxies from closing an idle stream.
 */
export interface SseStream {
  send(event: string, data: unknown, id?: string | number): void;
  close(): void;
  onClose(f: () => void): void;
}

export function openSse(req: FastifyRequest, reply: FastifyReply): SseStream {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  raw.write(': stream open\n\n');
  const closers: (() => void)[] = [];
  let closed = false;
  const keepAlive = setInterval(() => raw.write(': keep-alive\n\n'), 15_000);
  const finish = () => {
    if (closed) return;
    closed = true;
    clearInterval(keepAlive);
    for (const f of closers) f();
  };
  req.raw.on('close', finish);
  return {
    send(event, data, id) {
      if (closed) return;
      raw.write(`${id !== undefined ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    close() {
      finish();
      raw.end();
    },
    onClose(f) {
      closers.push(f);
    },
  };
}
