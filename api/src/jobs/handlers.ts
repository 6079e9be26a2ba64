/** One handler per job in `JOB_DEFINITIONS`; a job without a handler is a compile error here. */
import type { JobDefinitionsMap } from '@streamhub/contracts/jobs';
import type { JobHandlers } from '@streamhub/infra/jobs/port';
import type { Mailer } from '../mail/mailer.ts';

export interface JobHandlerDeps {
  mailer: Mailer;
}

export function createJobHandlers({ mailer }: JobHandlerDeps): JobHandlers<JobDefinitionsMap> {
  return {
    'email.send': (payload) => mailer.send(payload),
    // Replaced by the VOD pipeline (media-node/src/vod) as it lands; until then a video job fails loudly.
    'video.process': async () => {
      throw new Error('video processing is not wired in yet');
    },
  };
}
