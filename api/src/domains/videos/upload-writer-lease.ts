/**
 * A tus PATCH's claim to be an upload's only writer, held in the database every gateway replica shares.
 * Claimed when the PATCH starts, renewed on a timer while it runs (committing the bytes it has synced
 * so far), released with its final offset when it ends. A replica that dies stops renewing, so its claim
 * lapses and another PATCH may go on. Every renewal and the release are compare-and-set on the writer's
 * token and on the offset it last committed: a writer that was taken over (it stalled past its lease)
 * learns so at its next renewal and can never move the offset.
 */
import { randomUUID } from 'node:crypto';
import type { VideosRepository } from './videos.repository.ts';

export type UploadWriterStore = Pick<
  VideosRepository,
  'claimUploadWriter' | 'renewUploadWriter' | 'releaseUploadWriter'
>;

export class UploadWriterLease {
  private committed: number;
  private synced: number;
  private lost = false;
  private ended = false;
  private renewals: Promise<void> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;
  private readonly lostListeners: Array<() => void> = [];

  private constructor(
    private readonly store: UploadWriterStore,
    private readonly videoId: string,
    private readonly token: string,
    private readonly leaseMs: number,
    offset: number,
  ) {
    this.committed = offset;
    this.synced = offset;
    // Three renewals per lease: one slow or failed round trip does not let the claim lapse.
    this.timer = setInterval(() => void this.renew(), leaseMs / 3);
    this.timer.unref();
  }

  /** The claim, or undefined when another writer's lease is running (or the upload is gone). */
  static async claim(
    store: UploadWriterStore,
    videoId: string,
    leaseMs: number,
  ): Promise<UploadWriterLease | undefined> {
    const token = randomUUID();
    const offset = await store.claimUploadWriter(videoId, token, leaseMs);
    return offset === undefined ? undefined : new UploadWriterLease(store, videoId, token, leaseMs, offset);
  }

  /** The offset committed in the database: where this writer started, then what its renewals stored. */
  get offset(): number {
    return this.committed;
  }

  /** True once a renewal found another writer (or no upload): stop writing, nothing more is committed. */
  get isLost(): boolean {
    return this.lost;
  }

  /** Called once, when the claim is found lost. */
  onLost(listener: () => void): void {
    this.lostListeners.push(listener);
  }

  /** The file holds `bytes` bytes, synced to disk: the next renewal commits them. */
  synchronised(bytes: number): void {
    this.synced = Math.max(this.synced, bytes);
  }

  /** Commits the synced bytes now; false when the claim is lost. */
  async flush(): Promise<boolean> {
    await this.renew();
    return !this.lost;
  }

  /**
   * Commits the synced bytes and gives the upload up, which now expires at `expiresAt`. False when the
   * claim was lost. Only the first call does anything.
   */
  async release(expiresAt: Date): Promise<boolean> {
    if (this.ended) return !this.lost;
    this.stop();
    await this.renewals;
    if (this.lost) return false;
    const move = { from: this.committed, to: this.synced };
    if (await this.store.releaseUploadWriter(this.videoId, this.token, move, expiresAt)) {
      this.committed = move.to;
      return true;
    }
    this.markLost();
    return false;
  }

  /** Stops renewing without releasing: for when the upload row itself is gone (completed or refused). */
  stop(): void {
    this.ended = true;
    clearInterval(this.timer);
  }

  // Renewals run one after another, so each one's `from` is what the previous one committed.
  private renew(): Promise<void> {
    this.renewals = this.renewals.then(async () => {
      if (this.lost || this.ended) return;
      const move = { from: this.committed, to: this.synced };
      const renewed = await this.store
        .renewUploadWriter(this.videoId, this.token, move, this.leaseMs)
        // Unable to reach the database, the writer cannot prove it still holds the upload.
        .catch(() => false);
      if (renewed) this.committed = move.to;
      else this.markLost();
    });
    return this.renewals;
  }

  private markLost(): void {
    if (this.lost) return;
    this.lost = true;
    this.stop();
    for (const listener of this.lostListeners) listener();
  }
}
