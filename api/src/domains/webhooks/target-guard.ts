/**
 * The SSRF guard of outgoing webhooks: which addresses a delivery may connect to, checked on the
 * addresses a host name resolves to, and a `lookup` for node:http that hands the connection exactly the
 * address it checked, so a DNS answer that changes between check and connect (rebinding) cannot slip in.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/** Resolves a host name to every address it has (node:dns `lookup` with `all: true`). */
export type ResolveHost = (hostname: string) => Promise<LookupAddress[]>;

export const systemResolver: ResolveHost = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) =>
      error ? reject(error) : resolve(addresses),
    );
  });

/** Thrown when a target is not allowed or cannot be resolved; its message is for the endpoint's owner. */
export class TargetRefusedError extends Error {
  override name = 'TargetRefusedError';
}

// Everything that is not the public internet: RFC 6890's special-purpose registries, what cloud
// metadata services listen on (169.254.169.254, fd00:ec2::254), multicast and broadcast.
const NON_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  NON_PUBLIC.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001::', 23],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  NON_PUBLIC.addSubnet(network, prefix, 'ipv6');
}

/** The IPv4 address an IPv6 one carries (`::ffff:a.b.c.d`, NAT64 `64:ff9b::a.b.c.d`), if any. */
function embeddedIpv4(address: string): string | undefined {
  const lower = address.toLowerCase();
  const dotted = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1];
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (!hex) return undefined;
  const high = Number.parseInt(hex[1] ?? '0', 16);
  const low = Number.parseInt(hex[2] ?? '0', 16);
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

/** True for an address on the public internet; false for private, loopback, link-local and the like. */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return !NON_PUBLIC.check(address, 'ipv4');
  if (family === 6) {
    const v4 = embeddedIpv4(address);
    if (v4 !== undefined) return isPublicAddress(v4);
    return !NON_PUBLIC.check(address, 'ipv6');
  }
  return false;
}

export interface TargetPolicy {
  allowPrivateTargets: boolean;
  resolve: ResolveHost;
}

/** `[::1]` → `::1`: URL keeps the brackets of an IPv6 host. */
const bareHost = (hostname: string) => hostname.replace(/^\[(.*)\]$/, '$1');

/**
 * The addresses `url` may be delivered to: all of the host's addresses, or a refusal when one of them
 * is not public (unless private targets are allowed). Refusing on any rather than filtering keeps a
 * name that mixes public and private answers from reaching the private one on another try.
 */
export async function allowedAddresses(url: URL, policy: TargetPolicy): Promise<LookupAddress[]> {
  const host = bareHost(url.hostname);
  const literal = isIP(host);
  let addresses: LookupAddress[];
  if (literal) {
    addresses = [{ address: host, family: literal }];
  } else {
    try {
      addresses = await policy.resolve(host);
    } catch (error) {
      throw new TargetRefusedError(`The host ${host} could not be resolved (${(error as Error).message})`);
    }
    if (addresses.length === 0) throw new TargetRefusedError(`The host ${host} has no address`);
  }
  if (!policy.allowPrivateTargets) {
    const refused = addresses.find(({ address }) => !isPublicAddress(address));
    if (refused) {
      throw new TargetRefusedError(
        `${host} resolves to ${refused.address}, a private, loopback or link-local address; this instance does not deliver there`,
      );
    }
  }
  return addresses;
}
