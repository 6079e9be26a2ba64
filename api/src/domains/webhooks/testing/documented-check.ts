/**
 * The signature check exactly as docs/webhooks.md shows it: the `js` block after the
 * `<!-- verify-signature -->` marker, written to a module and imported, so the tests run the documented
 * code and a drift between the docs and the signer fails them.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export type VerifySignature = (
  rawBody: string,
  header: string | undefined,
  secret: string,
  toleranceSeconds?: number,
) => boolean;

const DOC = fileURLToPath(new URL('../../../../../docs/webhooks.md', import.meta.url));

export async function loadDocumentedCheck(): Promise<VerifySignature> {
  const markdown = readFileSync(DOC, 'utf8');
  const block = /<!-- verify-signature -->\s*```js\n([\s\S]*?)```/.exec(markdown)?.[1];
  if (!block) throw new Error('docs/webhooks.md has no verify-signature block');
  const file = join(mkdtempSync(join(tmpdir(), 'streamhub-webhook-doc-')), 'verify.mjs');
  writeFileSync(file, block);
  const module = (await import(pathToFileURL(file).href)) as { verifyStreamHubSignature?: VerifySignature };
  if (typeof module.verifyStreamHubSignature !== 'function') {
    throw new Error('the documented block exports no verifyStreamHubSignature');
  }
  return module.verifyStreamHubSignature;
}
