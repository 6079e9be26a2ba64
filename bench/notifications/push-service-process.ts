/**
 * The local Web Push service of bench/notifications in a process of its own, so that its work (VAPID
 * check, decrypting every payload as a browser would) is not counted against the sender being measured:
 * a real push service does not decrypt, the browser does. Driven over IPC by run.ts: `subscribe` answers
 * subscriptions, `count` the number of payloads decrypted so far, `close` stops it.
 */
import { startTestWebPushService } from '@streamhub/api/domains/notifications/testing/web-push-service';

type Request = { id: number; op: 'subscribe'; count: number } | { id: number; op: 'count' | 'close' };

const service = await startTestWebPushService();
const send = (message: unknown) => process.send?.(message);
process.on('message', (request: Request) => {
  if (request.op === 'subscribe') {
    send({
      id: request.id,
      subscriptions: Array.from({ length: request.count }, () => service.subscribe()),
    });
  } else if (request.op === 'count') {
    send({ id: request.id, received: service.received.length });
  } else {
    void service.close().then(() => {
      send({ id: request.id });
      process.exit(0);
    });
  }
});
send({ ready: true, ca: service.ca });
