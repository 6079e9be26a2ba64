/**
 * The media storage benchmark (issue 17): S3 against the filesystem, in one run, with s3rver as the
 * bucket and each figure beside its anchor. See docs/benchmarks.md ("Media storage").
 *
 *   node --import tsx bench/storage/run.ts [--rounds 3] [--seconds 5] [--upload-mib 64]
 *     [--tus-chunk-mib 8] [--only first,serving,upload] [--ledger pglite|postgres] [--gateway-cpu-prof dir]
 */
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { createTestDatabase } from '@streamhub/db/testing';
import { startTestS3Server } from '@streamhub/infra/media-storage/s3-testing';
import { loadAverages } from '../live/proc.ts';
import { firstPlayableSeconds, type StorageKind } from './first-segment.ts';
import { startS3Process } from './s3-process.ts';
import { GATEWAY_SERVERS, prepareServing, type Server, segmentsPerSecond } from './serving.ts';
import { UPLOAD_PATHS, type UploadPath, type UploadResult, upload, uploadPayload } from './upload.ts';
import { startUploadGateway } from './upload-gateway.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '5' },
    'upload-mib': { type: 'string', default: '64' },
    only: { type: 'string', default: 'first,serving,upload' },
    // The tus client's PATCH size: tus-js-client's `chunkSize`, as a browser behind a proxy with a request
    // size limit sets it (the studio sets none: one PATCH of the whole file).
    'tus-chunk-mib': { type: 'string', default: '8' },
    // The database of the tus path's gateway (uploads and the multipart ledger): PGlite in its process, or
    // PostgreSQL (TEST_DATABASE_URL) as a scale-out gateway has it.
    ledger: { type: 'string', default: 'pglite' },
    // A directory for the upload gateway's V8 CPU profile (written when it stops).
    'gateway-cpu-prof': { type: 'string' },
  },
  strict: true,
});
const rounds = Number(values.rounds);
const parts = new Set(values.only.split(','));
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
  for (let round = 0; parts.has('first') && round < rounds; round++) {
    for (const kind of (round % 2 ? ['s3', 'fs'] : ['fs', 's3']) as StorageKind[]) {
      const seconds = await firstPlayableSeconds(kind, s3, database.db);
      first[kind].push(seconds);
      log(`first playable segment, ${kind}: ${seconds.toFixed(2)} s`);
    }
  }

  const setup = await prepareServing(s3, database.db);
  const servers: Server[] = ['nginx', ...GATEWAY_SERVERS];
  const served = new Map<Server, number[]>(servers.map((server) => [server, []]));
  const cpu = new Map<Server, number[]>(servers.map((server) => [server, []]));
  try {
    for (let round = 0; parts.has('serving') && round < rounds; round++) {
      const order = round % 2 ? [...servers].reverse() : servers;
      for (const server of order) {
        const { rate, cpuMsPerRequest } = await segmentsPerSecond(server, setup, s3, Number(values.seconds));
        served.get(server)?.push(rate);
        cpu.get(server)?.push(cpuMsPerRequest);
        log(`segments/s, ${server}: ${rate.toFixed(0)} (${cpuMsPerRequest.toFixed(3)} ms CPU per request)`);
      }
    }
  } finally {
    await setup.stop();
  }

  const payload = await uploadPayload(Number(values['upload-mib']));
  const uploaded = new Map<UploadPath, UploadResult[]>(UPLOAD_PATHS.map((path) => [path, []]));
  if (parts.has('upload')) {
    // Its own s3rver process, so the uploader's CPU and the store's are read apart.
    const store = await startS3Process('bench-upload');
    const gateway = await startUploadGateway(
      values.ledger === 'postgres' ? 'postgres' : 'pglite',
      store,
      values['gateway-cpu-prof'],
    );
    const target = { store, gateway, tusChunkBytes: Number(values['tus-chunk-mib']) * 1024 * 1024 };
    log(`upload gateway database: ${values.ledger}; tus PATCH size ${values['tus-chunk-mib']} MiB`);
    try {
      // One unmeasured upload along each path first: the first upload into a fresh s3rver costs it (and
      // the uploader) a third more CPU per MiB, which would otherwise fall on whichever path goes first.
      for (const path of UPLOAD_PATHS) await upload(path, payload, target);
      for (let round = 0; round < rounds; round++) {
        const order = round % 2 ? [...UPLOAD_PATHS].reverse() : UPLOAD_PATHS;
        for (const path of order) {
          const result = await upload(path, payload, target);
          uploaded.get(path)?.push(result);
          log(
            `upload ${path}: ${result.mibPerSecond.toFixed(1)} MiB/s; CPU ms/MiB uploader ${result.clientCpuMsPerMiB.toFixed(1)}, store ${result.storeCpuMsPerMiB.toFixed(1)}`,
          );
        }
      }
    } finally {
      await gateway.stop();
      await store.stop();
    }
  }

  console.log(`\n${new Date().toISOString()} — ${machine}; load average after ${loadAverages().join(', ')}`);
  console.log(`rounds: ${rounds}; medians, per-round values in brackets\n`);
  if (parts.has('first')) {
    const added = median(first.s3) - median(first.fs);
    console.log(
      `publish → first playable segment (s): filesystem ${fmt(first.fs, 2)}, S3 ${fmt(first.s3, 2)}`,
    );
    console.log(`  S3 adds ${added.toFixed(2)} s (target ≤ 0.5 s): ${added <= 0.5 ? 'met' : 'missed'}`);
  }
  if (parts.has('serving')) {
    const nginx = median(served.get('nginx') ?? []);
    console.log('segments/s (188 kB, 16 connections), CPU ms per request, share of nginx:');
    for (const server of servers) {
      const rate = served.get(server) ?? [];
      const share = server === 'nginx' ? '' : `, ${((median(rate) / nginx) * 100).toFixed(0)} % of nginx`;
      console.log(`  ${server}: ${fmt(rate, 0)}; ${fmt(cpu.get(server) ?? [], 3)} ms${share}`);
    }
    const cached = median(served.get('bun-s3-cached') ?? []) / nginx;
    console.log(
      `  Bun from S3, cached: ${(cached * 100).toFixed(0)} % of nginx (target ≥ 50 %): ${cached >= 0.5 ? 'met' : 'missed'}`,
    );
  }
  if (parts.has('upload')) {
    const of = (path: UploadPath, pick: (result: UploadResult) => number) =>
      (uploaded.get(path) ?? []).map(pick);
    console.log(
      `upload (${values['upload-mib']} MiB; tus in ${values['tus-chunk-mib']} MiB PATCHes): MiB/s; CPU ms per MiB, uploader (the gateway for tus) + store:`,
    );
    for (const path of UPLOAD_PATHS) {
      console.log(
        `  ${path}: ${fmt(
          of(path, (r) => r.mibPerSecond),
          1,
        )}; ${fmt(
          of(path, (r) => r.clientCpuMsPerMiB),
          1,
        )} + ${fmt(
          of(path, (r) => r.storeCpuMsPerMiB),
          1,
        )}`,
      );
    }
    console.log('  requests the store answered (last round; all of them, MiB sent to it + read from it):');
    for (const path of UPLOAD_PATHS) {
      const last = uploaded.get(path)?.at(-1);
      if (!last) continue;
      console.log(
        `    ${path}: ${last.requestCount} requests, ${last.mibIn.toFixed(1)} + ${last.mibOut.toFixed(1)} MiB: ${last.requests}`,
      );
    }
    const tus = median(of('tus-s3', (r) => r.mibPerSecond));
    for (const anchor of ['direct', 'direct-2'] as const) {
      const ratio = tus / median(of(anchor, (r) => r.mibPerSecond));
      const cpu = (path: UploadPath) =>
        median(of(path, (r) => r.clientCpuMsPerMiB)) + median(of(path, (r) => r.storeCpuMsPerMiB));
      console.log(
        `  tus → S3 ${(ratio * 100).toFixed(0)} % of ${anchor} by rate (target ≥ 80 %): ${ratio >= 0.8 ? 'met' : 'missed'}; CPU per MiB ${(cpu('tus-s3') / cpu(anchor)).toFixed(2)}× ${anchor}'s`,
      );
    }
  }
} finally {
  await database.close();
  await s3.stop();
}
