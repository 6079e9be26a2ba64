/**
 * Prepares the gateway's data once per benchmark run, the way an operator and users would: the CLI
 * migrates the embedded database and creates the streamer (provisioning opens the database), then a
 * gateway is started and everything else goes through its HTTP API: the streamer's channel, the sender
 * accounts (register + login). Each measured gateway then starts from a copy of this data directory,
 * so every one has the same accounts, the same signing key (the tokens stay valid) and an empty room.
 */
import { request } from 'node:http';
import { join } from 'node:path';
import { spawnChild } from './children.ts';
import { BENCH_CHANNEL, BENCH_HOST, isServerReady, type SenderAccount } from './protocol.ts';

export interface GatewayEnvOptions {
  dataDir: string;
  port: number;
}

/**
 * The gateway's settings for the benchmark: embedded defaults, plus the limits a load test from one
 * address must lift (WebSocket connections and HTTP requests per IP) and a stable token issuer.
 */
export function gatewayEnv({ dataDir, port }: GatewayEnvOptions): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    HOST: BENCH_HOST,
    PORT: String(port),
    STREAMHUB_DATA_DIR: dataDir,
    // Tokens name their issuer; every gateway of the run must accept the tokens made during set-up.
    PUBLIC_URL: 'http://streamhub.bench',
    ACCESS_TOKEN_TTL_SECONDS: '3600',
    LOG_LEVEL: 'info',
    RATE_LIMIT_MAX: '1000000',
    WS_MAX_CONNECTIONS_PER_IP: '100000',
  };
}

const PASSWORD = 'bench password, not a secret';

async function runCli(args: string[], env: NodeJS.ProcessEnv, nodePath: string, input = ''): Promise<void> {
  const cli = spawnChild(nodePath, ['cli/bin/streamhub.mjs', ...args], { env });
  cli.child.stdin?.end(input);
  const how = await cli.closed;
  if (how !== 'code 0') throw new Error(`streamhub ${args.join(' ')} failed (${how})\n${cli.stderrTail()}`);
}

interface HttpAnswer {
  status: number;
  body: unknown;
}

/**
 * One JSON request from a chosen loopback source address: the abuse guard limits registrations and
 * logins per client address, and each sender is a different "user", so each gets its own address.
 */
function httpJson(
  port: number,
  method: string,
  path: string,
  options: { body?: unknown; token?: string; localAddress?: string } = {},
): Promise<HttpAnswer> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: BENCH_HOST,
        port,
        method,
        path,
        localAddress: options.localAddress,
        headers: {
          ...(payload ? { 'content-type': 'application/json' } : {}),
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as unknown) : undefined });
        });
      },
    );
    req.on('error', reject);
    req.setTimeout(60_000, () => req.destroy(new Error(`${method} ${path}: timed out`)));
    req.end(payload);
  });
}

async function expectOk(answer: Promise<HttpAnswer>, what: string): Promise<Record<string, unknown>> {
  const { status, body } = await answer;
  if (status < 200 || status >= 300) throw new Error(`${what}: HTTP ${status} ${JSON.stringify(body)}`);
  return body as Record<string, unknown>;
}

/** 127.0.1.1, 127.0.1.2, …: a distinct loopback source address per sender. */
const senderAddress = (index: number) => `127.0.${1 + Math.floor(index / 250)}.${1 + (index % 250)}`;

async function createSender(port: number, index: number): Promise<SenderAccount> {
  const username = `sender_${String(index).padStart(4, '0')}`;
  const email = `${username}@bench.test`;
  const localAddress = senderAddress(index);
  const account = await expectOk(
    httpJson(port, 'POST', '/api/v1/auth/register', {
      body: { email, username, password: PASSWORD },
      localAddress,
    }),
    `register ${username}`,
  );
  const tokens = await expectOk(
    httpJson(port, 'POST', '/api/v1/auth/login', { body: { email, password: PASSWORD }, localAddress }),
    `login ${username}`,
  );
  return { userId: String(account.id), username, accessToken: String(tokens.accessToken) };
}

export interface PreparedData {
  /** The data directory to copy for every measured gateway. */
  template: string;
  senders: SenderAccount[];
}

export async function prepareGatewayData(options: {
  dir: string;
  senders: number;
  nodePath: string;
  port: number;
  log: (line: string) => void;
}): Promise<PreparedData> {
  const template = join(options.dir, 'template');
  const env = gatewayEnv({ dataDir: template, port: options.port });
  const started = Date.now();
  await runCli(['db', 'migrate'], env, options.nodePath);
  await runCli(
    [
      'user',
      'create',
      '--email',
      'streamer@bench.test',
      '--username',
      'bench_streamer',
      '--role',
      'streamer',
      '--password-stdin',
    ],
    env,
    options.nodePath,
    PASSWORD,
  );

  const gateway = spawnChild(options.nodePath, ['--import', 'tsx', 'bench/realtime/servers/gateway.ts'], {
    env,
  });
  try {
    const ready = await gateway.next(isServerReady, 90_000);
    const streamer = await expectOk(
      httpJson(ready.port, 'POST', '/api/v1/auth/login', {
        body: { email: 'streamer@bench.test', password: PASSWORD },
      }),
      'login streamer',
    );
    await expectOk(
      httpJson(ready.port, 'POST', '/api/v1/channels', {
        body: { slug: BENCH_CHANNEL, title: 'Benchmark room', category: 'talk' },
        token: String(streamer.accessToken),
      }),
      'create channel',
    );
    // Password hashing (scrypt) dominates: a few at a time keep both cores busy without a pile-up.
    const senders: SenderAccount[] = new Array(options.senders);
    let next = 0;
    const lane = async () => {
      while (next < options.senders) {
        const index = next++;
        senders[index] = await createSender(ready.port, index);
      }
    };
    await Promise.all(Array.from({ length: 6 }, lane));
    options.log(
      `set-up: streamer, channel "${BENCH_CHANNEL}" and ${options.senders} signed-in senders through the API in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    return { template, senders };
  } finally {
    await gateway.stop();
  }
}
