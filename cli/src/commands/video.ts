/** `streamhub video …`: upload (tus, resumable), list, status and delete, through the gateway's API. */
import {
  VIDEO_VISIBILITIES,
  type Video,
  VideoCategorySchema,
  VideoPageSchema,
  VideoSchema,
} from '@streamhub/contracts/videos';
import { Command, Option } from 'commander';
import { z } from 'zod';
import { type ApiOptions, apiOptions, connectApi, pathParams } from '../api-client.ts';
import type { CliContext } from '../cli-context.ts';
import { CliError } from '../cli-error.ts';
import { printRecords } from '../output.ts';
import { DEFAULT_CHUNK_BYTES, tusUpload } from './video-upload.ts';
import { progressReporter, resumeLine } from './video-upload-progress.ts';

interface VideoOptions extends ApiOptions {
  json?: boolean;
}

interface UploadOptions extends VideoOptions {
  title: string;
  description?: string;
  tags?: string;
  visibility?: string;
  category?: string;
  chunkSize: string;
}

const withApi = (command: Command) => {
  for (const option of apiOptions()) command.addOption(option);
  return command.option('--json', 'print JSON for scripts');
};

const row = (video: Video) => ({
  id: video.id,
  title: video.title,
  status: video.status === 'processing' ? `processing ${video.progress}%` : video.status,
  visibility: video.visibility,
  duration: video.durationMs === null ? '-' : `${Math.round(video.durationMs / 1000)} s`,
  created: video.createdAt,
});

export function videoCommand(ctx: CliContext): Command {
  const video = new Command('video').description('videos on demand (through the gateway API)');

  withApi(video.command('upload').description('upload a video file (resumable: run again to continue)'))
    .argument('<file>', 'the video file')
    .requiredOption('--title <title>', 'the video title')
    .option('--description <text>', 'a description')
    .option('--tags <tags>', 'comma-separated tags, e.g. rust,compilers')
    .addOption(new Option('--visibility <visibility>', 'who can watch it').choices([...VIDEO_VISIBILITIES]))
    .addOption(new Option('--category <category>', 'the category').choices(VideoCategorySchema.options))
    .option('--chunk-size <bytes>', 'bytes per PATCH request', String(DEFAULT_CHUNK_BYTES))
    .action(async (file: string, options: UploadOptions) => {
      const api = await connectApi(ctx, options);
      const chunkBytes = Number(options.chunkSize);
      if (!Number.isInteger(chunkBytes) || chunkBytes < 1)
        throw new CliError('--chunk-size must be a positive number of bytes');
      const videoId = await tusUpload(ctx, {
        file,
        api,
        chunkBytes,
        metadata: {
          title: options.title,
          description: options.description,
          tags: options.tags,
          visibility: options.visibility,
          category: options.category,
          filename: file.split('/').at(-1),
        },
        // On stderr, so that stdout stays the video id for scripts.
        onProgress: progressReporter({ tty: process.stderr.isTTY === true, write: ctx.stderr }),
        onResume: (offset, total) => ctx.stderr(`${resumeLine(offset, total)}\n`),
      });
      if (options.json) ctx.stdout(`${JSON.stringify({ videoId })}\n`);
      else ctx.stdout(`${videoId}\n`);
    });

  withApi(video.command('list').description('list your videos, newest first, with their status'))
    .option('--limit <n>', 'how many', '50')
    .action(async (options: VideoOptions & { limit: string }) => {
      const api = await connectApi(ctx, options);
      const { items } = await api.read(
        api.v1.me.videos.$get({ query: { limit: options.limit } }),
        VideoPageSchema,
      );
      if (options.json) ctx.stdout(`${JSON.stringify(items)}\n`);
      else printRecords(ctx, items.map(row), false);
    });

  withApi(video.command('status').description("a video's status, processing percent and failure reason"))
    .argument('<id>', 'video id')
    .action(async (id: string, options: VideoOptions) => {
      const api = await connectApi(ctx, options);
      const found = await api.read(api.v1.videos[':id'].$get({ param: pathParams({ id }) }), VideoSchema);
      if (options.json) {
        ctx.stdout(`${JSON.stringify(found)}\n`);
        return;
      }
      printRecords(
        ctx,
        [
          {
            ...row(found),
            progress: `${found.progress}%`,
            reason: found.failureReason ?? '-',
            playback: found.playbackUrl ?? '-',
          },
        ],
        false,
      );
    });

  withApi(video.command('delete').description('delete a video and all its files'))
    .argument('<id>', 'video id')
    .action(async (id: string, options: VideoOptions) => {
      const api = await connectApi(ctx, options);
      await api.read(api.v1.videos[':id'].$delete({ param: pathParams({ id }) }), z.undefined());
      if (options.json) ctx.stdout(`${JSON.stringify({ deleted: id })}\n`);
      else ctx.stdout(`deleted ${id}\n`);
    });
  return video;
}
