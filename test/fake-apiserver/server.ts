/**
 * The HTTPS listener: TLS with an optional client certificate, error handlers on every socket, request and
 * response, and a 500 Status instead of a crash if a handler throws. A client disconnect never reaches the
 * test process as an unhandled error.
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { sendStatus, type RequestContext } from './http-util.js';
import { route, type RouterDeps } from './router.js';
import { internalError } from './status.js';
import type { StreamRegistry } from './streams.js';
import type { FakeTlsMaterial } from './tls.js';
import type { RecordedRequest } from './types.js';

function record(req: IncomingMessage, url: URL): RecordedRequest {
  return {
    method: req.method ?? '',
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    hasAuthorization: req.headers.authorization !== undefined,
    clientCert: false,
    accept: req.headers.accept,
    userAgent: req.headers['user-agent'],
    receivedAt: Date.now(),
  };
}

function handle(req: IncomingMessage, res: ServerResponse, deps: RouterDeps, requests: RecordedRequest[], streams: StreamRegistry): void {
  req.on('error', () => undefined);
  res.on('error', () => undefined);
  const url = new URL(req.url ?? '/', 'https://127.0.0.1');
  const rec = record(req, url);
  const auth = deps.access.authenticate(req);
  Object.assign(rec, { authScheme: auth.authScheme, clientCert: auth.clientCert, user: auth.user });
  requests.push(rec);
  const ctx: RequestContext = { req, res, url, rec, user: auth.user ?? '' };
  try {
    route(ctx, deps);
  } catch (err) {
    if (!res.headersSent) sendStatus(ctx, internalError(err));
    else res.destroy();
  }
  streams.changed();
}

/** Starts the HTTPS server on 127.0.0.1 with a random port. */
export async function listenHttps(tls: FakeTlsMaterial, deps: Omit<RouterDeps, 'serverAddress'>, requests: RecordedRequest[],
  streams: StreamRegistry): Promise<{ server: Server; port: number }> {
  const routerDeps: RouterDeps = { ...deps, serverAddress: '' };
  const server = createServer({
    key: tls.serverKeyPem, cert: tls.caPem,
    // Ask for a client certificate but do not require one; bearer-token clients send none.
    requestCert: true, rejectUnauthorized: false, ca: tls.caPem,
  }, (req, res) => handle(req, res, routerDeps, requests, streams));
  server.on('connection', (socket: Socket) => streams.addSocket(socket));
  server.on('secureConnection', (socket: TLSSocket) => socket.on('error', () => undefined));
  server.on('tlsClientError', () => undefined);
  server.on('clientError', (_err, socket) => socket.destroy());
  server.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('fake apiserver: no TCP address');
  routerDeps.serverAddress = `127.0.0.1:${addr.port}`;
  return { server, port: addr.port };
}
