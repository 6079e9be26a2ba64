/** Clients of a deployment's gateway replicas for end-to-end tests: typed API calls, accounts, chat sockets. */
import { gatewayClient, ok } from '@streamhub/api/testing/gateway-client';
import { connectWs, type TestWsClient } from '@streamhub/api/testing/ws-client';

const PASSWORD = 'a long test password';

interface Gateway {
  /** `http://127.0.0.1:<port>` */
  base: string;
}

/** The typed routes of `/api/v1` on a replica, as the holder of `authorization` if given. */
export const v1 = (gateway: Gateway, authorization?: string) =>
  gatewayClient(gateway.base, authorization).api.v1;

/** Registers `username` (email `<username>@example.test`) through `gateway`. */
export async function register(gateway: Gateway, username: string) {
  const email = `${username}@example.test`;
  const account = await ok(
    v1(gateway).auth.register.$post({ json: { email, username, password: PASSWORD } }),
  );
  return { id: account.id, username, email };
}

/** A new login session of an account `register` made. */
export async function logIn(gateway: Gateway, email: string) {
  const tokens = await ok(v1(gateway).auth.login.$post({ json: { email, password: PASSWORD } }));
  return { accessToken: tokens.accessToken, authorization: `Bearer ${tokens.accessToken}` };
}

/** Opens `/ws` sockets in a channel's room, each past `joined`; `close()` closes them all. */
export function roomSockets() {
  const clients: TestWsClient[] = [];
  return {
    async join(gateway: Gateway, options: { slug: string; accessToken?: string; viewerId?: string }) {
      const client = await connectWs(gateway.base);
      clients.push(client);
      await client.next('hello');
      if (options.accessToken) {
        client.send({ type: 'auth', token: options.accessToken });
        await client.next('authenticated');
      }
      client.send({
        type: 'join',
        channel: options.slug,
        ...(options.viewerId ? { viewerId: options.viewerId } : {}),
      });
      await client.next('joined');
      return client;
    },
    /** A socket that only connects (past `hello`), for a test that sends its own frames. */
    async open(gateway: Gateway) {
      const client = await connectWs(gateway.base);
      clients.push(client);
      await client.next('hello');
      return client;
    },
    async close() {
      await Promise.all(clients.splice(0).map((client) => client.close()));
    },
  };
}

/** Sends a chat message and resolves with its ack or error frame. */
export async function postChat(client: TestWsClient, slug: string, body: string) {
  const nonce = crypto.randomUUID();
  client.send({ type: 'chat.send', channel: slug, body, nonce });
  return Promise.race([
    client.next('ack', (f) => f.nonce === nonce),
    client.next('error', (f) => f.nonce === nonce),
  ]);
}
