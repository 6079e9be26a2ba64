/** `streamhub keys …`: the access-token signing keys (provisioning: works on files, not through the API). */
import {
  ensureSigningKeys,
  generateSigningJwk,
  rotateSigningKeys,
  signingKeysPath,
} from '@streamhub/api/domains/auth/signing-keys';
import { Command } from 'commander';
import { type CliContext, configFrom } from '../cli-context.ts';

export function keysCommand(ctx: CliContext): Command {
  const keys = new Command('keys').description('access-token signing keys');
  keys
    .command('generate')
    .description('create the signing key file under the data directory if there is none')
    .option('--print', 'print a new key set for the SIGNING_KEYS variable instead of writing a file')
    .action(async (options: { print?: boolean }) => {
      if (options.print) {
        ctx.stdout(`${JSON.stringify({ keys: [await generateSigningJwk()] })}\n`);
        return;
      }
      const { dataDir } = configFrom(ctx);
      const created = await ensureSigningKeys(dataDir);
      ctx.stdout(
        `${created ? 'Created' : 'Kept the existing'} signing keys at ${signingKeysPath(dataDir)}\n`,
      );
    });
  keys
    .command('rotate')
    .description(
      'sign new tokens with a fresh key; tokens signed by the previous keys stay valid until they expire',
    )
    .action(async () => {
      const { dataDir } = configFrom(ctx);
      const { kid, kept } = await rotateSigningKeys(dataDir);
      ctx.stdout(
        `New signing key ${kid}; ${kept} key(s) kept in ${signingKeysPath(dataDir)}. Restart the gateways to use it.\n`,
      );
    });
  return keys;
}
