/**
 * The port through which the videos domain tells a video's owner, live, how its processing goes. The
 * realtime hub implements it (the owner's signed-in `/ws` connections on every replica receive a
 * `video.status` frame); processes without it drop the updates, which stay readable over the API.
 */
import type { VideoStatusFrame } from '@streamhub/contracts/realtime';

export interface VideoStatusPublisher {
  publish(ownerId: string, frame: VideoStatusFrame): Promise<void>;
}

export class DiscardingVideoStatusPublisher implements VideoStatusPublisher {
  async publish(): Promise<void> {}
}
