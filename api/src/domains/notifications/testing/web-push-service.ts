/**
 * A local Web Push service for tests: HTTPS on 127.0.0.1 with a self-signed certificate (made with the
 * openssl CLI), checking the VAPID authorization and decrypting each message as the browser would (RFC
 * 8291 over aes128gcm, RFC 8188), so a test proves what arrived. Endpoints it was told are dead answer
 * 410 Gone, as a push service does for an unsubscribed browser.
 */
import { execFileSync } from 'node:child_process';
import { createDecipheriv, createECDH, createHmac, type ECDH, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importJWK, jwtVerify } from 'jose';

/** A browser's side of one subscription: what it registers, and the keys it decrypts with. */
export interface TestBrowserSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

export interface ReceivedPush {
  endpoint: string;
  /** The decrypted payload. */
  payload: string;
  /** The `sub` claim of the VAPID token. */
  vapidSubject: string;
  /** The VAPID token itself (a sender may reuse one per push service until it nears expiry). */
  vapidToken: string;
  /** Its `exp` claim, in seconds. */
  vapidExpiresAt: number;
  ttl: string | null;
}

export interface TestWebPushService {
  /** An agent trusting the service's certificate, for `web-push`. */
  agent: Agent;
  /** The service's self-signed certificate (PEM), for an agent made elsewhere. */
  ca: string;
  /** A new subscription, as a browser would make with this service. */
  subscribe(): TestBrowserSubscription;
  /** From now on the endpoint answers 410 Gone. */
  kill(endpoint: string): void;
  received: ReceivedPush[];
  waitFor(predicate: (push: ReceivedPush) => boolean, timeoutMs?: number): Promise<ReceivedPush>;
  close(): Promise<void>;
}

const b64u = (buffer: Buffer) => buffer.toString('base64url');

/** A self-signed certificate for `subjectAltName` (e.g. `IP:127.0.0.1` or `DNS:fcm.googleapis.com`). */
export function selfSignedCertificate(subjectAltName = 'IP:127.0.0.1'): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'push-service-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        `subjectAltName=${subjectAltName}`,
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    return {
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
      cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const hmac = (key: Buffer, ...data: Buffer[]) => {
  const mac = createHmac('sha256', key);
  for (const part of data) mac.update(part);
  return mac.digest();
};

/** RFC 8291 §3.4 and RFC 8188: what the user agent does with an aes128gcm message body. */
export function decryptWebPush(body: Buffer, browser: ECDH, authSecret: Buffer): string {
  const salt = body.subarray(0, 16);
  const idLength = body.readUInt8(20);
  const senderPublic = body.subarray(21, 21 + idLength);
  const ciphertext = body.subarray(21 + idLength);
  const ecdhSecret = browser.computeSecret(senderPublic);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), browser.getPublicKey(), senderPublic]);
  const ikm = hmac(hmac(authSecret, ecdhSecret), keyInfo, Buffer.from([1]));
  const prk = hmac(salt, ikm);
  const cek = hmac(prk, Buffer.from('Content-Encoding: aes128gcm\0'), Buffer.from([1])).subarray(0, 16);
  const nonce = hmac(prk, Buffer.from('Content-Encoding: nonce\0'), Buffer.from([1])).subarray(0, 12);
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
  const padded = Buffer.concat([
    decipher.update(ciphertext.subarray(0, ciphertext.length - 16)),
    decipher.final(),
  ]);
  // The last record ends with the delimiter 0x02, then zero padding.
  const end = padded.lastIndexOf(2);
  if (end < 0) throw new Error('no padding delimiter');
  return padded.subarray(0, end).toString('utf8');
}

interface VerifiedVapid {
  token: string;
  subject: string;
  expiresAt: number;
}

/**
 * Checks `Authorization: vapid t=<JWT>, k=<public key>` (RFC 8292) for this origin. A token already
 * verified is only checked for expiry again, as push services do: senders reuse one token per origin,
 * and re-verifying the signature of each message would make this test service the bottleneck of
 * bench/notifications instead of the sender it measures.
 */
async function verifyVapid(
  header: string | undefined,
  origin: string,
  verified: Map<string, VerifiedVapid>,
): Promise<VerifiedVapid> {
  const match = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(header ?? '');
  if (!match?.[1] || !match[2]) throw new Error(`no VAPID authorization: ${header}`);
  const cacheKey = `${match[1]} ${match[2]}`;
  const known = verified.get(cacheKey);
  if (known) {
    if (known.expiresAt <= Date.now() / 1000) throw new Error('VAPID token expired');
    return known;
  }
  const point = Buffer.from(match[2], 'base64url');
  const key = await importJWK(
    { kty: 'EC', crv: 'P-256', x: b64u(point.subarray(1, 33)), y: b64u(point.subarray(33, 65)) },
    'ES256',
  );
  const { payload } = await jwtVerify(match[1], key, { audience: origin });
  if (typeof payload.sub !== 'string') throw new Error('VAPID token without sub');
  if (typeof payload.exp !== 'number') throw new Error('VAPID token without exp');
  const result = { token: match[1], subject: payload.sub, expiresAt: payload.exp };
  verified.set(cacheKey, result);
  return result;
}

export async function startTestWebPushService(): Promise<TestWebPushService> {
  const { key, cert } = selfSignedCertificate();
  const browsers = new Map<string, { ecdh: ECDH; auth: Buffer }>();
  const dead = new Set<string>();
  const received: ReceivedPush[] = [];
  const verified = new Map<string, VerifiedVapid>();
  let origin = '';
  const server = createServer({ key, cert }, (request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const endpoint = `${origin}${request.url ?? ''}`;
      const browser = browsers.get(endpoint);
      if (request.method !== 'POST' || !browser || dead.has(endpoint)) {
        response.writeHead(browser ? 410 : 404).end();
        return;
      }
      verifyVapid(request.headers.authorization, origin, verified)
        .then((vapid) => {
          if (request.headers['content-encoding'] !== 'aes128gcm') throw new Error('not aes128gcm');
          const payload = decryptWebPush(Buffer.concat(chunks), browser.ecdh, browser.auth);
          received.push({
            endpoint,
            payload,
            vapidSubject: vapid.subject,
            vapidToken: vapid.token,
            vapidExpiresAt: vapid.expiresAt,
            ttl: request.headers.ttl?.toString() ?? null,
          });
          response.writeHead(201, { Location: `${endpoint}/messages/${randomUUID()}` }).end();
        })
        .catch((error: Error) => response.writeHead(400).end(error.message));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const agent = new Agent({ ca: cert, keepAlive: true });
  return {
    agent,
    ca: cert,
    received,
    subscribe() {
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const auth = randomBytes(16);
      const endpoint = `${origin}/push/${randomUUID()}`;
      browsers.set(endpoint, { ecdh, auth });
      return { endpoint, keys: { p256dh: b64u(ecdh.getPublicKey()), auth: b64u(auth) } };
    },
    kill: (endpoint) => dead.add(endpoint),
    async waitFor(predicate, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = received.find(predicate);
        if (found) return found;
        if (Date.now() > deadline)
          throw new Error(`no matching push within ${timeoutMs} ms (got ${received.length})`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async close() {
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
