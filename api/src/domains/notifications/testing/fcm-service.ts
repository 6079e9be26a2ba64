/**
 * A local server answering as FCM's HTTP v1 send API (`POST /v1/projects/<id>/messages:send`), for
 * `firebase-admin`, whose host is fixed: the agent it gets connects every request for
 * fcm.googleapis.com here, over TLS with a certificate for that name that only the agent trusts. Tokens
 * it was told are unregistered answer 404 UNREGISTERED, as FCM does for an uninstalled app.
 */
import { Agent, createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:tls';
import { selfSignedCertificate } from './web-push-service.ts';

export interface ReceivedFcmMessage {
  project: string;
  authorization: string | undefined;
  message: { token: string; notification?: { title?: string; body?: string }; data?: Record<string, string> };
}

export interface TestFcmService {
  /** The agent to hand firebase-admin (`httpAgent`). */
  agent: Agent;
  unregister(token: string): void;
  received: ReceivedFcmMessage[];
  close(): Promise<void>;
}

const fcmError = (status: number, state: string, errorCode: string, message: string) => ({
  error: {
    code: status,
    message,
    status: state,
    details: [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode }],
  },
});

export async function startTestFcmService(): Promise<TestFcmService> {
  const { key, cert } = selfSignedCertificate('DNS:fcm.googleapis.com');
  const unregistered = new Set<string>();
  const received: ReceivedFcmMessage[] = [];
  const server = createServer({ key, cert }, (request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const answer = (status: number, body: unknown) => {
        response.writeHead(status, { 'Content-Type': 'application/json; charset=UTF-8' });
        response.end(JSON.stringify(body));
      };
      const path = /^\/v1\/projects\/([^/]+)\/messages:send$/.exec(request.url ?? '');
      if (request.method !== 'POST' || !path?.[1]) {
        answer(404, fcmError(404, 'NOT_FOUND', 'UNSPECIFIED_ERROR', 'Not found'));
        return;
      }
      const { message } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ReceivedFcmMessage;
      if (!message?.token) {
        answer(
          400,
          fcmError(400, 'INVALID_ARGUMENT', 'INVALID_ARGUMENT', 'The registration token is not valid'),
        );
        return;
      }
      if (unregistered.has(message.token)) {
        answer(404, fcmError(404, 'NOT_FOUND', 'UNREGISTERED', 'Requested entity was not found.'));
        return;
      }
      received.push({ project: path[1], authorization: request.headers.authorization, message });
      answer(200, { name: `projects/${path[1]}/messages/${received.length}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const agent = new Agent({ ca: cert });
  // Whatever host firebase-admin asks for, the connection goes to this server (TLS still checks the name).
  agent.createConnection = (options) =>
    connect({ ...(options as object), host: '127.0.0.1', port, servername: 'fcm.googleapis.com', ca: cert });
  return {
    agent,
    received,
    unregister: (token) => unregistered.add(token),
    async close() {
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
