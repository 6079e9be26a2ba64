/**
 * The steps of an account deletion's durable event that `account-deletion-kill.e2e.test.ts` kills a real
 * process in, on the deployment's PostgreSQL and Redis (configured by the environment, as `serve` is):
 * - `delete <userId> <password>`: deletes the account through the users service as a gateway does (the
 *   deletion and its `user.deleted` commit together), prints `{"deleted": userId}` and waits to be killed;
 *   no relay runs in this process, so the event is stored and nothing else.
 * - `relay-stall`: runs the outbox relay with the app's consumers registered but not running; once it has
 *   enqueued a batch it prints `{"enqueued": eventIds}` and stalls before marking the rows published.
 */
import { loadSigningKeys } from '@streamhub/api/domains/auth/signing-keys';
import { MODULES } from '@streamhub/api/modules';
import { moduleConsumers } from '@streamhub/api/modules/run-modules';
import { openBackends } from '@streamhub/api/runtime/backends';
import { gatewayDeps } from '@streamhub/api/runtime/gateway-runtime';
import { remoteAddress } from '@streamhub/api/server/serve';
import { loadConfig } from '@streamhub/config/config';
import { DOMAIN_EVENTS } from '@streamhub/contracts/events';
import { createJobQueue } from '@streamhub/infra/jobs/factory';
import { createConsumerRegistry } from '@streamhub/infra/outbox/consumers';
import { createOutboxRelay } from '@streamhub/infra/outbox/relay';
import { createLogger } from '@streamhub/logger/logger';

const [mode, ...args] = process.argv.slice(2);
const print = (message: unknown) => process.stdout.write(`${JSON.stringify(message)}\n`);
const forever = () => new Promise<never>(() => {});

// A test's own process: its environment is the deployment's, as `serve` reads it.
const config = loadConfig(process.env, { envFile: false });
const logger = createLogger({ level: config.logLevel, name: `outbox-${mode}` });
const backends = await openBackends(config, logger, { migrate: false });
const signingKeys = await loadSigningKeys({ dataDir: config.dataDir, signingKeys: config.auth.signingKeys });
const deps = gatewayDeps({ config, logger, backends, signingKeys, remoteAddress });

if (mode === 'delete') {
  const [userId, password] = args;
  if (!userId || !password) throw new Error('usage: delete <userId> <password>');
  await deps.services.users.deleteAccount(userId, { password });
  print({ deleted: userId });
  await forever();
} else if (mode === 'relay-stall') {
  const run = { config, logger, events: backends.events, media: backends.media };
  const registry = createConsumerRegistry(DOMAIN_EVENTS, moduleConsumers(MODULES, deps.services, run));
  const queue = await createJobQueue(registry.jobDefinitions, {
    redisUrl: config.redisUrl,
    prefix: config.redisPrefix,
  });
  const relay = createOutboxRelay({
    database: backends.database,
    registry,
    queue,
    async afterEnqueue(eventIds) {
      print({ enqueued: eventIds });
      await forever();
    },
  });
  await relay.start();
  await forever();
} else {
  throw new Error(`unknown mode ${mode}: delete or relay-stall`);
}
