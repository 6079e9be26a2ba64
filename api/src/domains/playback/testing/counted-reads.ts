import type { MediaStorage } from '@streamhub/infra/media-storage/port';

/** A real media storage with its `read` calls counted, for tests that check reads are shared. */
export function countedReads(real: MediaStorage): { media: MediaStorage; reads: () => number } {
  let reads = 0;
  const media = new Proxy(real, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (property === 'read') {
        return (...args: Parameters<MediaStorage['read']>) => {
          reads += 1;
          return target.read(...args);
        };
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { media, reads: () => reads };
}
