/**
 * The media storage benchmark (issue 17): S3 against the filesystem, in one run, with s3rver as the
 * bucket and each figure beside its anchor. See docs/benchmarks.md ("Media storage").
 *
 *   node --import tsx bench/storage/run.ts [--rounds 3] [--seconds 5] [--upload-mib 64]
 */
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { createTestDatabase } from '@streamhub/db/testing';
import { startTestS3Server } from '@streamhub/infra/media-storage/s3-testing';
import { loadAverages } from '../live/proc.ts';
import { firstPlayableSeconds, type StorageKind } from './first-segment.ts';
import { prepareServing, type Server, segmentsPerSecond } from './serving.ts';
import { type UploadPath, uploadMiBps, uploadPayload } from './upload.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '5' },
    'upload-mib': { type: 'string', default: '64' },
  },
  strict: true,
});
const rounds = Number(values.rounds);
const log = (line: string) => process.stderr.write(`${line}\n`);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};
const fmt = (xs: number[], digits: number) =>
  `${median(xs).toFixed(digits)} (${xs.map((x) => x.toFixed(digits)).join('/')})`;

const machine = `${cpus().length} vCPU (${cpus()[0]?.model.trim() ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}`;
log(`machine: ${machine}; load average ${loadAverages().join(', ')}`);
const s3 = await startTestS3Server('bench-media');
const database = await createTestDatabase('pglite');
try {
  // Alternating order, so drift in the machine's load falls on both sides.
  const first: Record<StorageKind, number[]> = { fs: [], s3: [] };
  for (let round = 0; round < rounds; round++) {
    for (const kind of (round % 2 ? ['s3', 'fs'] : ['fs', 's3']) as StorageKind[]) {
      const seconds = await firstPlayableSeconds(kind, s3, database.db);
      first[kind].push(seconds);
      log(`first playable segment, ${kind}: ${seconds.toFixed(2)} s`);
    }
  }

  const setup = await prepareServing(s3, database.db);
  const served: Record<Server, number[]> = { nginx: [], 'gateway-fs': [], 'gateway-s3': [] };
  try {
    for (let round = 0; round < rounds; round++) {
      const order: Server[] = ['nginx', 'gateway-fs', 'gateway-s3'];
      for (const server of round % 2 ? order.reverse() : order) {
        const rate = await segmentsPerSecond(server, setup, s3, Number(values.seconds));
        served[server].push(rate);
        log(`segments/s, ${server}: ${rate.toFixed(0)}`);
      }
    }
  } finally {
    await setup.stop();
  }

  const payload = uploadPayload(Number(values['upload-mib']));
  const uploaded: Record<UploadPath, number[]> = { 'tus-s3': [], direct: [] };
  for (let round = 0; round < rounds; round++) {
    for (const path of (round % 2 ? ['direct', 'tus-s3'] : ['tus-s3', 'direct']) as UploadPath[]) {
      const rate = await uploadMiBps(path, payload, s3, database.db);
      uploaded[path].push(rate);
      log(`upload ${path}: ${rate.toFixed(1)} MiB/s`);
    }
  }

  const added = median(first.s3) - median(first.fs);
  console.log(`\n${new Date().toISOString()} — ${machine}; load average after ${loadAverages().join(', ')}`);
  console.log(`rounds: ${rounds}; medians, per-round values in brackets\n`);
  console.log(`publish → first playable segment (s): filesystem ${fmt(first.fs, 2)}, S3 ${fmt(first.s3, 2)}`);
  console.log(`  S3 adds ${added.toFixed(2)} s (target ≤ 0.5 s): ${added <= 0.5 ? 'met' : 'missed'}`);
  console.log(
    `segments/s (188 kB, 16 connections): nginx ${fmt(served.nginx, 0)}, gateway fs ${fmt(served['gateway-fs'], 0)}, gateway S3 ${fmt(served['gateway-s3'], 0)}`,
  );
  const fsRatio = median(served['gateway-fs']) / median(served.nginx);
  const s3Ratio = median(served['gateway-s3']) / median(served.nginx);
  console.log(
    `  gateway fs ${(fsRatio * 100).toFixed(0)} % of nginx, gateway S3 ${(s3Ratio * 100).toFixed(0)} % (target ≥ 50 %): fs ${fsRatio >= 0.5 ? 'met' : 'missed'}, S3 ${s3Ratio >= 0.5 ? 'met' : 'missed'}`,
  );
  console.log(
    `upload (${values['upload-mib']} MiB, MiB/s): tus → S3 ${fmt(uploaded['tus-s3'], 1)}, direct multipart ${fmt(uploaded.direct, 1)}`,
  );
  const uploadRatio = median(uploaded['tus-s3']) / median(uploaded.direct);
  console.log(
    `  tus → S3 ${(uploadRatio * 100).toFixed(0)} % of direct (target ≥ 80 %): ${uploadRatio >= 0.8 ? 'met' : 'missed'}`,
  );
} finally {
  await database.close();
  await s3.stop();
}
