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
  };
}
