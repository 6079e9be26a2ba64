/** Creates signed-in users over the real HTTP routes, for tests of protected endpoints. */
import type { Account, TokenPair } from '@streamhub/contracts/auth';
import type { UserRole } from '@streamhub/db/schema/users';
import type { GatewayApp } from '../app.ts';
import { UsersRepository } from '../domains/users/users.repository.ts';
import { gatewayClient, ok } from './gateway-client.ts';
import type { TestBackends } from './test-deps.ts';

export interface SignedInUser extends TokenPair {
  account: Account;
  password: string;
  /** The `Authorization` header value. */
  authorization: string;
}

let counter = 0;

export async function registerAndLogin(
  app: GatewayApp,
  backends: TestBackends,
  options: { role?: UserRole; username?: string; password?: string } = {},
): Promise<SignedInUser> {
  counter += 1;
  const username = options.username ?? `user${counter}_${Math.random().toString(36).slice(2, 8)}`;
  const password = options.password ?? 'a long test password';
  const email = `${username.toLowerCase()}@example.test`;
  const { v1 } = gatewayClient(app).api;
  let account: Account = await ok(v1.auth.register.$post({ json: { email, username, password } }));
  if (options.role && options.role !== account.role) {
    await new UsersRepository(backends.database.db).setRole(account.id, options.role);
    account = { ...account, role: options.role };
  }
  const tokens = await login(app, email, password);
  return { ...tokens, account, password, authorization: `Bearer ${tokens.accessToken}` };
}

export async function login(app: GatewayApp, email: string, password: string): Promise<TokenPair> {
  return ok(gatewayClient(app).api.v1.auth.login.$post({ json: { email, password } }));
}
