/**
 * One HTTP attempt of a webhook delivery through the SSRF guard (target-guard.ts): the connection goes
 * to the address that was checked, redirects are never followed (a 3xx is a failed attempt), and the
 * attempt is bounded by a time limit. Never throws: the outcome is what the delivery log records.
 *
 * Connections are kept alive per endpoint origin and checked address (`WebhookConnections`): a reused
 * connection is one opened to an address the guard allowed for that origin, never one to whatever
 * another name or an older DNS answer led to.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { allowedAddresses, type TargetPolicy, TargetRefusedError } from './target-guard.ts';

export interface SendOptions extends TargetPolicy {
  timeoutMs: number;
  /** Kept-alive connections to reuse; without it, each attempt opens a connection of its own. */
  connections?: WebhookConnections;
  /** Aborted when the job running this attempt is stopped. */
  signal?: AbortSignal;
}

export interface SendOutcome {
  /** A 2xx answer. */
  succeeded: boolean;
  /** The receiver's status, when it answered. */
  responseStatus: number | null;
  /** Why there is no 2xx, in words for the endpoint's owner. */
  error: string | null;
  latencyMs: number;
}

const USER_AGENT = 'StreamHub-Webhooks/1';
/** Bytes of an answer read before the connection is dropped: receivers' bodies are not kept. */
const MAX_RESPONSE_BYTES = 64 * 1024;

/** Connections kept per endpoint: a burst of deliveries to one receiver shares them. */
export const SOCKETS_PER_ENDPOINT = 16;
/** An idle kept-alive connection is closed after this long. */
const IDLE_SOCKET_MS = 30_000;
/** Endpoints whose agents are kept; the least recently used beyond this is closed. */
const MAX_AGENTS = 1_000;

/** Keep-alive agents per (endpoint origin, checked address), least recently used closed first. */
export class WebhookConnections {
  private readonly agents = new Map<string, HttpAgent>();

  agentFor(url: URL, address: string): HttpAgent {
    const key = `${url.protocol}//${url.host} ${address}`;
    let agent = this.agents.get(key);
    if (agent) {
      this.agents.delete(key);
    } else {
      const options = {
        keepAlive: true,
        maxSockets: SOCKETS_PER_ENDPOINT,
        maxFreeSockets: SOCKETS_PER_ENDPOINT,
        timeout: IDLE_SOCKET_MS,
      };
      agent = url.protocol === 'https:' ? new HttpsAgent(options) : new HttpAgent(options);
    }
    this.agents.set(key, agent);
    for (const [oldest, stale] of this.agents) {
      if (this.agents.size <= MAX_AGENTS) break;
      stale.destroy();
      this.agents.delete(oldest);
    }
    return agent;
  }

  /** Closes every kept connection. */
  close(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }
}

/** A node:http `lookup` that answers with the checked addresses only, never asking DNS again. */
function pinnedLookup(addresses: { address: string; family: number }[]): LookupFunction {
  return (_hostname, options, callback) => {
    const first = addresses[0];
    if (!first) {
      callback(new TargetRefusedError('No allowed address'), '', 0);
      return;
    }
    if ((options as { all?: boolean }).all) {
      (callback as unknown as (error: null, all: { address: string; family: number }[]) => void)(
        null,
        addresses,
      );
    } else {
      callback(null, first.address, first.family);
    }
  };
}

/** POSTs `body` to `url` with `headers`. */
export async function sendWebhook(
  url: URL,
  body: string,
  headers: Record<string, string>,
  options: SendOptions,
): Promise<SendOutcome> {
  const startedAt = performance.now();
  const elapsed = () => Math.round(performance.now() - startedAt);
  let addresses: { address: string; family: number }[];
  try {
    addresses = await allowedAddresses(url, options);
  } catch (error) {
    return { succeeded: false, responseStatus: null, error: (error as Error).message, latencyMs: elapsed() };
  }
  const signals = [AbortSignal.timeout(options.timeoutMs), ...(options.signal ? [options.signal] : [])];
  const signal = AbortSignal.any(signals);
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<SendOutcome>((resolve) => {
    let settled = false;
    const finish = (outcome: Omit<SendOutcome, 'latencyMs'>) => {
      if (settled) return;
      settled = true;
      resolve({ ...outcome, latencyMs: elapsed() });
    };
    const req = request(
      url,
      {
        method: 'POST',
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          'user-agent': USER_AGENT,
        },
        lookup: pinnedLookup(addresses),
        // No connection from Node's global agent, whose pool is keyed by host name alone.
        agent: options.connections?.agentFor(url, addresses[0]?.address ?? '') ?? false,
        signal,
      },
      (response: IncomingMessage) => {
        const status = response.statusCode ?? 0;
        let read = 0;
        response.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_RESPONSE_BYTES) response.destroy();
        });
        const done = () => {
          if (status >= 200 && status < 300) finish({ succeeded: true, responseStatus: status, error: null });
          else if (status >= 300 && status < 400) {
            finish({
              succeeded: false,
              responseStatus: status,
              error: 'Redirects are not followed; point the endpoint at the final URL',
            });
          } else finish({ succeeded: false, responseStatus: status, error: `HTTP ${status}` });
        };
        response.on('end', done);
        response.on('close', done);
        response.on('error', done);
      },
    );
    req.on('error', (error) => {
      const reason = signal.aborted
        ? options.signal?.aborted
          ? 'The attempt was stopped'
          : `No answer within ${options.timeoutMs} ms`
        : error.message;
      finish({ succeeded: false, responseStatus: null, error: reason });
    });
    req.end(body);
  });
}
