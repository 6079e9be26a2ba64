/**
 * The deployment files (docs/deploy.md), checked offline: every Kubernetes manifest against the Kubernetes
 * schemas (kubernetes-models), then what schemas cannot see: Services and budgets select real pods, ports
 * and probes name what the pods serve, every setting is one packages/config reads and the whole set
 * loads, containers run real `streamhub` commands, shutdown fits the grace period, no volume is shared.
 * The compose file gets the same setting and command checks.
 */
import { readFileSync } from 'node:fs';
import { WEBSOCKET_PATH } from '@streamhub/api/realtime/websocket-endpoint';
import { CONFIG_VARIABLES, loadConfig } from '@streamhub/config/config';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { createProgram } from './program.ts';
import {
  type ComposeService,
  deployDir,
  type Manifest,
  manifestFiles,
  readCompose,
  readKustomization,
  readManifests,
  validateManifest,
} from './testing/deploy-manifests.ts';

const manifests = readManifests();
const named = (kind: string, name: string) => {
  const found = manifests.find((m) => m.kind === kind && m.metadata.name === name);
  if (!found) throw new Error(`no ${kind}/${name} in deploy/kubernetes`);
  return found;
};
const ofKind = (kind: string) => manifests.filter((m) => m.kind === kind);
const workloads = manifests.filter((m) => ['Deployment', 'StatefulSet', 'Job'].includes(m.kind));
const podSpec = (workload: Manifest) => workload.spec.template.spec;
const podLabels = (workload: Manifest): Record<string, string> =>
  workload.spec.template.metadata.labels ?? {};
const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([key, value]) => labels[key] === value);

interface Container {
  name: string;
  image: string;
  args?: string[];
  ports?: { name?: string; containerPort: number; protocol?: string }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}
interface Probe {
  httpGet?: { path: string; port: string | number };
  tcpSocket?: { port: string | number };
}
const containers = (workload: Manifest): Container[] => podSpec(workload).containers;

/** The gateway's system routes, read from their definitions (`path: '/…'`). */
const systemPaths = [
  ...readFileSync(new URL('../../api/src/domains/system/system.routes.ts', import.meta.url), 'utf8').matchAll(
    /path: '([^']+)'/g,
  ),
].map((match) => match[1]);

/** Throws unless `args` name a `streamhub` command with options it declares. */
function assertCliCommand(args: string[]): void {
  let command: Command = createProgram();
  const words = [...args];
  while (words[0] && !words[0].startsWith('-')) {
    const next = command.commands.find((sub) => sub.name() === words[0]);
    if (!next) break;
    command = next;
    words.shift();
  }
  if (command.commands.length > 0) throw new Error(`"${args.join(' ')}" is not a complete streamhub command`);
  for (const word of words.filter((w) => w.startsWith('-'))) {
    if (!command.options.some((option) => option.long === word || option.short === word)) {
      throw new Error(`"${args.join(' ')}": streamhub ${command.name()} has no option ${word}`);
    }
  }
}

/** The environment a container starts with, from its ConfigMap/Secret references and its own entries. */
function containerEnv(container: Container, podName: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    const ref = source.configMapRef
      ? named('ConfigMap', source.configMapRef.name).data
      : source.secretRef
        ? named('Secret', source.secretRef.name).stringData
        : undefined;
    Object.assign(env, ref);
  }
  for (const entry of container.env ?? []) {
    if (entry.valueFrom?.fieldRef?.fieldPath === 'metadata.name') env[entry.name] = podName;
    else if (entry.value !== undefined) env[entry.name] = entry.value;
    else throw new Error(`${container.name}: env ${entry.name} comes from a source this test does not know`);
  }
  return env;
}

const SHUTDOWN_MARGIN_SECONDS = 5;

describe('deploy/kubernetes', () => {
  it('lists every manifest file in the kustomization, and each names the streamhub image', () => {
    const kustomization = readKustomization();
    expect([...kustomization.resources].sort()).toEqual(manifestFiles());
    expect(kustomization.images?.map((image) => image.name)).toEqual(['streamhub']);
    for (const workload of workloads) {
      expect(containers(workload).length).toBeGreaterThan(0);
      for (const container of containers(workload)) expect(container.image, container.name).toBe('streamhub');
    }
  });

  it('validates every document against the Kubernetes schemas', () => {
    expect(manifests.length).toBeGreaterThanOrEqual(14);
    for (const manifest of manifests) validateManifest(manifest);
  });

  it('rejects a manifest the schemas do not allow (the validation can fail)', () => {
    const gateway = structuredClone(named('Deployment', 'streamhub-gateway'));
    gateway.spec.replicas = 'two';
    expect(() => validateManifest(gateway)).toThrow(/replicas must be integer/);
    const budget = structuredClone(named('PodDisruptionBudget', 'streamhub-gateway'));
    budget.apiVersion = 'policy/v1beta1';
    expect(() => validateManifest(budget)).toThrow(/no schema/);
  });

  it('has the issue-17 topology: gateway with probes, budget and autoscaler; worker; media StatefulSet; Job; Ingress', () => {
    const gateway = named('Deployment', 'streamhub-gateway');
    expect(containers(gateway)[0]?.args).toEqual(['serve', 'api']);
    expect(containers(named('Deployment', 'streamhub-worker'))[0]?.args?.slice(0, 2)).toEqual([
      'serve',
      'worker',
    ]);
    expect(containers(named('StatefulSet', 'streamhub-media'))[0]?.args).toEqual(['serve', 'media']);
    expect(containers(named('Job', 'streamhub-migrate'))[0]?.args).toEqual(['db', 'migrate']);
    expect(named('HorizontalPodAutoscaler', 'streamhub-gateway').spec.scaleTargetRef).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'streamhub-gateway',
    });
    expect(named('HorizontalPodAutoscaler', 'streamhub-gateway').spec.minReplicas).toBeGreaterThanOrEqual(2);
  });

  it('runs only real streamhub commands and options', () => {
    for (const workload of workloads) {
      for (const container of containers(workload)) assertCliCommand(container.args ?? []);
    }
    expect(() => assertCliCommand(['serve', 'gateway'])).toThrow(/not a complete/);
    expect(() => assertCliCommand(['serve', 'worker', '--threads', '2'])).toThrow(/no option --threads/);
  });

  it('selects real pods: Services, the budget, and workloads their own templates', () => {
    for (const workload of workloads.filter((w) => w.kind !== 'Job')) {
      expect(matches(workload.spec.selector.matchLabels, podLabels(workload)), workload.metadata.name).toBe(
        true,
      );
    }
    const selectable = workloads.filter((w) => w.kind !== 'Job');
    for (const service of ofKind('Service')) {
      const pods = selectable.filter((w) => matches(service.spec.selector, podLabels(w)));
      expect(pods.length, `Service ${service.metadata.name} selects no pods`).toBe(1);
      const declared = pods.flatMap((w) => containers(w).flatMap((c) => c.ports ?? []));
      for (const port of service.spec.ports) {
        const target = declared.find((p) =>
          typeof port.targetPort === 'string'
            ? p.name === port.targetPort
            : p.containerPort === port.targetPort,
        );
        expect(target, `Service ${service.metadata.name} port ${port.name}`).toBeDefined();
        expect(target?.protocol ?? 'TCP').toBe(port.protocol ?? 'TCP');
      }
    }
    const budget = named('PodDisruptionBudget', 'streamhub-gateway');
    expect(
      matches(budget.spec.selector.matchLabels, podLabels(named('Deployment', 'streamhub-gateway'))),
    ).toBe(true);
  });

  it('routes the ingress to the gateway Service, with long timeouts on the WebSocket path', () => {
    const gatewayService = named('Service', 'streamhub-gateway');
    let wsTimeouts = 0;
    for (const ingress of ofKind('Ingress')) {
      for (const rule of ingress.spec.rules) {
        for (const path of rule.http.paths) {
          const service = named('Service', path.backend.service.name);
          expect(service).toBe(gatewayService);
          expect(service.spec.ports.map((p: { name: string }) => p.name)).toContain(
            path.backend.service.port.name,
          );
          if (path.path === WEBSOCKET_PATH) {
            const annotations = ingress.metadata.annotations ?? {};
            wsTimeouts = Math.min(
              Number(annotations['nginx.ingress.kubernetes.io/proxy-read-timeout']),
              Number(annotations['nginx.ingress.kubernetes.io/proxy-send-timeout']),
            );
          }
        }
      }
    }
    expect(wsTimeouts).toBeGreaterThanOrEqual(3600);
  });

  it('reads only settings packages/config knows, and every pod’s environment loads', () => {
    const known = new Set<string>(CONFIG_VARIABLES);
    for (const manifest of [...ofKind('ConfigMap'), ...ofKind('Secret')]) {
      for (const key of Object.keys({ ...manifest.data, ...manifest.stringData })) {
        expect(
          known.has(key),
          `${manifest.kind}/${manifest.metadata.name} sets ${key}, not a StreamHub setting`,
        ).toBe(true);
      }
    }
    for (const workload of workloads) {
      for (const container of containers(workload)) {
        const env = containerEnv(container, `${workload.metadata.name}-0`);
        for (const key of Object.keys(env))
          expect(known.has(key), `${container.name} reads ${key}`).toBe(true);
        const config = loadConfig(env, { envFile: false });
        expect(config.mediaStorage.kind, container.name).toBe('s3');
        expect(config.databaseUrl, container.name).toMatch(/^postgres:/);
      }
    }
  });

  it('gives each media node its pod name as MEDIA_NODE_ID, behind a headless Service and TCP/UDP load balancers', () => {
    const media = named('StatefulSet', 'streamhub-media');
    expect(named('Service', media.spec.serviceName).spec.clusterIP).toBe('None');
    const env = containerEnv(containers(media)[0] as Container, 'streamhub-media-1');
    expect(env.MEDIA_NODE_ID).toBe('streamhub-media-1');
    const config = loadConfig(env, { envFile: false });
    const rtmp = named('Service', 'streamhub-rtmp');
    expect(rtmp.spec.type).toBe('LoadBalancer');
    expect(rtmp.spec.ports).toEqual([
      expect.objectContaining({ protocol: 'TCP', port: config.media.rtmpPort }),
    ]);
    const srt = named('Service', 'streamhub-srt');
    expect(srt.spec.ports).toEqual([
      expect.objectContaining({ protocol: 'UDP', port: config.media.srtPort }),
    ]);
    const ports = containers(media)[0]?.ports ?? [];
    expect(ports.find((p) => p.name === 'rtmp')?.containerPort).toBe(config.media.rtmpPort);
    expect(ports.find((p) => p.name === 'srt')?.containerPort).toBe(config.media.srtPort);
  });

  it('probes real paths and ports: /readyz for readiness, /healthz for liveness on the gateway; RTMP on media', () => {
    expect(systemPaths).toEqual(expect.arrayContaining(['/healthz', '/readyz']));
    const gateway = containers(named('Deployment', 'streamhub-gateway'))[0] as Container;
    expect(gateway.readinessProbe?.httpGet?.path).toBe('/readyz');
    expect(gateway.livenessProbe?.httpGet?.path).toBe('/healthz');
    const port = loadConfig(containerEnv(gateway, 'gateway'), { envFile: false }).port;
    for (const workload of workloads) {
      for (const container of containers(workload)) {
        for (const probe of [container.readinessProbe, container.livenessProbe, container.startupProbe]) {
          if (!probe) continue;
          if (probe.httpGet) expect(systemPaths).toContain(probe.httpGet.path);
          const probePort = probe.httpGet?.port ?? probe.tcpSocket?.port;
          const declared = (container.ports ?? []).find(
            (p) => p.name === probePort || p.containerPort === probePort,
          );
          expect(declared, `${container.name} probes an undeclared port ${probePort}`).toBeDefined();
          if (probe.httpGet) expect(declared?.containerPort).toBe(port);
        }
      }
    }
    expect(containers(named('StatefulSet', 'streamhub-media'))[0]?.readinessProbe?.tcpSocket?.port).toBe(
      'rtmp',
    );
  });

  it('gives every long-running pod a grace period covering its preStop pause, SHUTDOWN_TIMEOUT_MS and a margin', () => {
    for (const workload of workloads.filter((w) => w.kind !== 'Job')) {
      const container = containers(workload)[0] as Container;
      const shutdownSeconds = Math.ceil(
        loadConfig(containerEnv(container, 'pod-0'), { envFile: false }).shutdownTimeoutMs / 1000,
      );
      const preStop = container.lifecycle?.preStop?.exec?.command ?? [];
      const pauseSeconds = preStop[0] === 'sleep' ? Number(preStop[1]) : 0;
      expect(
        podSpec(workload).terminationGracePeriodSeconds,
        `${workload.metadata.name}: ${pauseSeconds} s pause + ${shutdownSeconds} s shutdown + ${SHUTDOWN_MARGIN_SECONDS} s`,
      ).toBeGreaterThanOrEqual(pauseSeconds + shutdownSeconds + SHUTDOWN_MARGIN_SECONDS);
    }
  });

  it('sets requests and limits on every container, and shares no volume between pods', () => {
    for (const workload of workloads) {
      for (const container of containers(workload)) {
        expect(Object.keys(container.resources?.requests ?? {}).sort(), container.name).toEqual([
          'cpu',
          'memory',
        ]);
        expect(Object.keys(container.resources?.limits ?? {}).sort(), container.name).toEqual([
          'cpu',
          'memory',
        ]);
      }
      for (const volume of podSpec(workload).volumes ?? []) {
        expect(Object.keys(volume).sort(), `${workload.metadata.name} volume ${volume.name}`).toEqual([
          'emptyDir',
          'name',
        ]);
      }
      expect(workload.spec.volumeClaimTemplates).toBeUndefined();
    }
  });
});

describe('deploy/compose.yaml', () => {
  const compose = readCompose({ SIGNING_KEYS: '{"keys":[]}' });
  const streamhubServices = Object.entries(compose.services).filter(
    (entry): entry is [string, ComposeService & { command: string[] }] =>
      entry[1].image === 'streamhub:latest',
  );

  it('needs SIGNING_KEYS, like every replica', () => {
    expect(() => readCompose({})).toThrow(/requires SIGNING_KEYS/);
  });

  it('runs the same topology on object storage: migrate, 2 gateways, worker, 2 media nodes, MinIO', () => {
    const roles = streamhubServices.map(([, service]) => service.command.join(' ')).sort();
    expect(roles).toEqual(['db migrate', 'serve api', 'serve media', 'serve media', 'serve worker']);
    expect(compose.services.gateway?.healthcheck?.test.join(' ')).toContain('/readyz');
    for (const [, service] of streamhubServices) assertCliCommand(service.command);
    expect(readFileSync(`${deployDir}Dockerfile`, 'utf8')).toMatch(
      /ENTRYPOINT \["bun", "cli\/bin\/streamhub.mjs"\]/,
    );
  });

  it('gives every StreamHub service settings packages/config knows and that load, with media in the bucket', () => {
    const known = new Set<string>(CONFIG_VARIABLES);
    const mediaIds = new Set<string>();
    for (const [name, service] of streamhubServices) {
      const env = service.environment ?? {};
      for (const key of Object.keys(env)) expect(known.has(key), `${name} sets ${key}`).toBe(true);
      const config = loadConfig(env, { envFile: false });
      expect(config.mediaStorage.kind, name).toBe('s3');
      if (config.mediaStorage.kind === 's3') {
        const host = new URL(config.mediaStorage.endpoint ?? '').hostname;
        expect(compose.services[host], `${name}: S3_ENDPOINT names a compose service`).toBeDefined();
      }
      if (service.command.join(' ') === 'serve media') mediaIds.add(env.MEDIA_NODE_ID ?? '');
    }
    expect([...mediaIds].sort()).toEqual(['media-1', 'media-2']);
  });

  it('starts services only after ones that exist', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      for (const dependency of Object.keys(service.depends_on ?? {})) {
        expect(compose.services[dependency], `${name} depends on ${dependency}`).toBeDefined();
      }
    }
  });

  it('shares no volume between StreamHub services', () => {
    for (const [name, service] of streamhubServices) expect(service.volumes, name).toBeUndefined();
  });
});
