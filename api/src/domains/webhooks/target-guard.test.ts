/** The SSRF guard's address classes and name checks, without any network. */
import { describe, expect, it } from 'vitest';
import { allowedAddresses, isPublicAddress, type ResolveHost, TargetRefusedError } from './target-guard.ts';

const pinned =
  (table: Record<string, string[]>): ResolveHost =>
  async (hostname) => {
    const addresses = table[hostname];
    if (!addresses) throw new Error(`getaddrinfo ENOTFOUND ${hostname}`);
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };

describe('isPublicAddress', () => {
  it.each([
    '127.0.0.1',
    '127.1.2.3',
    '10.0.0.1',
    '172.16.5.4',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    'fd00:ec2::254',
    'fc00::1',
    'fe80::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:169.254.169.254',
    '64:ff9b::a9fe:a9fe',
  ])('refuses %s', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(['93.184.215.14', '1.1.1.1', '2606:4700:4700::1111', '::ffff:1.1.1.1'])('allows %s', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });

  it('refuses what is not an address', () => {
    expect(isPublicAddress('example.com')).toBe(false);
  });
});

describe('allowedAddresses', () => {
  const resolve = pinned({
    'public.example': ['93.184.215.14'],
    'internal.example': ['10.1.2.3'],
    'mixed.example': ['93.184.215.14', '127.0.0.1'],
  });
  const strict = { allowPrivateTargets: false, resolve };

  it('refuses loopback, metadata and unique-local literals', async () => {
    for (const url of [
      'http://127.0.0.1:8080/hook',
      'http://169.254.169.254/latest/meta-data/',
      'http://[::1]/hook',
      'http://[fd00:ec2::254]/',
      'http://[::ffff:127.0.0.1]/',
    ]) {
      await expect(allowedAddresses(new URL(url), strict), url).rejects.toThrow(TargetRefusedError);
    }
  });

  it('refuses a name that resolves to a private address, or to a private one among public ones', async () => {
    await expect(allowedAddresses(new URL('https://internal.example/'), strict)).rejects.toThrow(
      /10\.1\.2\.3/,
    );
    await expect(allowedAddresses(new URL('https://mixed.example/'), strict)).rejects.toThrow(/127\.0\.0\.1/);
  });

  it('refuses a name that does not resolve', async () => {
    await expect(allowedAddresses(new URL('https://nowhere.example/'), strict)).rejects.toThrow(
      /could not be resolved/,
    );
  });

  it('returns the checked addresses of a public name', async () => {
    await expect(allowedAddresses(new URL('https://public.example/'), strict)).resolves.toEqual([
      { address: '93.184.215.14', family: 4 },
    ]);
  });

  it('allows private targets when the setting says so', async () => {
    const lax = { allowPrivateTargets: true, resolve };
    await expect(allowedAddresses(new URL('http://127.0.0.1:9/'), lax)).resolves.toEqual([
      { address: '127.0.0.1', family: 4 },
    ]);
    await expect(allowedAddresses(new URL('https://internal.example/'), lax)).resolves.toHaveLength(1);
  });
});
