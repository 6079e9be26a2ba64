/**
 * A real {@link RestreamTargets} backed by Maps, for tests and for running the media node without the
 * API: destinations registered per session in code, every reported status kept in order.
 */
import type { RestreamDestination, RestreamStatus, RestreamTargets } from '../live/restream-port.ts';

export class InMemoryRestreamTargets implements RestreamTargets {
  private readonly destinations: RestreamDestination[] = [];
  readonly statuses: RestreamStatus[] = [];

  /** Every session gets these destinations (the test knows one channel). */
  add(destination: RestreamDestination): void {
    this.destinations.push(destination);
  }

  async destinationsFor(): Promise<RestreamDestination[]> {
    return [...this.destinations];
  }

  async reportStatus(status: RestreamStatus): Promise<void> {
    this.statuses.push(status);
  }

  /** The states reported for one destination, in order. */
  statesOf(destinationId: string): string[] {
    return this.statuses.filter((s) => s.destinationId === destinationId).map((s) => s.state);
  }
}
