/**
 * The port through which the chat domain announces changes to a channel's room. The realtime hub
 * implements it (delivering to every replica's members); the two adapters here are for a gateway
 * without `/ws` wiring and for tests.
 */
import type { RoomFrame } from '@streamhub/contracts/realtime';

export interface RoomPublisher {
  /**
   * Called after the change is stored. A rejection reaches the caller as a failure of the whole call
   * (a chat message the client then sends again), so reject only when the frame surely went nowhere.
   */
  publish(channelId: string, frame: RoomFrame): Promise<void>;
}

/** Drops every frame: for processes that serve the REST API but no WebSocket rooms. */
export class DiscardingRoomPublisher implements RoomPublisher {
  async publish(): Promise<void> {}
}

export interface PublishedFrame {
  channelId: string;
  frame: RoomFrame;
}

/** Keeps every frame in order, for tests that check what a room would have received. */
export class RecordingRoomPublisher implements RoomPublisher {
  readonly frames: PublishedFrame[] = [];

  async publish(channelId: string, frame: RoomFrame): Promise<void> {
    this.frames.push({ channelId, frame });
  }

  /** The frames published to one channel's room, oldest first. */
  framesOf(channelId: string): RoomFrame[] {
    return this.frames.filter((published) => published.channelId === channelId).map(({ frame }) => frame);
  }
}
