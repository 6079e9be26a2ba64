/**
 * Reads the deployment files under `deploy/` for `deploy-manifests.test.ts`: the Kubernetes manifests the
 * kustomization lists (every YAML document, validated against the Kubernetes schemas offline with
 * kubernetes-models) and the compose file with its `${…}` references filled in.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Job } from 'kubernetes-models/batch/v1';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, Secret, Service } from 'kubernetes-models/v1';
import { parseAllDocuments, parse as parseYaml } from 'yaml';

export const deployDir = fileURLToPath(new URL('../../../deploy/', import.meta.url));
export const kubernetesDir = `${deployDir}kubernetes/`;

/** The kinds StreamHub's manifests use; anything else is a mistake the test reports. */
const MODELS = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'batch/v1/Job': Job,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'networking.k8s.io/v1/Ingress': Ingress,
} as const;

type ModelKey = keyof typeof MODELS;

/** One parsed manifest document; its shape is checked by {@link validateManifest}, read loosely here. */
export interface Manifest {
  file: string;
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  // biome-ignore lint/suspicious/noExplicitAny: a manifest's body is whatever its kind defines; the schema check types it.
  spec?: any;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

export interface Kustomization {
  resources: string[];
  images?: { name: string }[];
}

export function readKustomization(): Kustomization {
  return parseYaml(readFileSync(`${kubernetesDir}kustomization.yaml`, 'utf8')) as Kustomization;
}

/** YAML files in the manifests directory besides the kustomization itself. */
export function manifestFiles(): string[] {
  return readdirSync(kubernetesDir)
    .filter((name) => name.endsWith('.yaml') && name !== 'kustomization.yaml')
    .sort();
}

/** Every document of the kustomization's resources; throws on a YAML error (with its file). */
export function readManifests(): Manifest[] {
  return readKustomization().resources.flatMap((file) => {
    const documents = parseAllDocuments(readFileSync(`${kubernetesDir}${file}`, 'utf8'));
    return documents.map((document) => {
      if (document.errors.length > 0) throw new Error(`${file}: ${document.errors[0]?.message}`);
      return { file, ...(document.toJS() as Omit<Manifest, 'file'>) };
    });
  });
}

/** Validates a manifest against its kind's Kubernetes schema; throws naming the file and the problem. */
export function validateManifest(manifest: Manifest): void {
  const key = `${manifest.apiVersion}/${manifest.kind}`;
  if (!(key in MODELS)) throw new Error(`${manifest.file}: no schema for ${key}`);
  const { file: _file, ...body } = manifest;
  try {
    new MODELS[key as ModelKey](body as never).validate();
  } catch (error) {
    throw new Error(
      `${manifest.file} ${manifest.kind}/${manifest.metadata.name}: ${(error as Error).message}`,
    );
  }
}

export interface Compose {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

export interface ComposeService {
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
}

/**
 * The compose file as `docker compose config` would see it given `env`: merge keys resolved by the YAML
 * parser, then in every string `${NAME}`, `${NAME:-default}` and `${NAME:?message}` replaced (a missing
 * required one throws), as compose interpolates values after parsing.
 */
export function readCompose(env: Record<string, string>): Compose {
  const parsed: unknown = parseYaml(readFileSync(`${deployDir}compose.yaml`, 'utf8'), { merge: true });
  return interpolate(parsed, env) as Compose;
}

function interpolate(value: unknown, env: Record<string, string>): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Z0-9_]+)(?::([?-])([^}]*))?\}/g, (_match, name: string, op, rest) => {
      const given = env[name];
      if (given !== undefined && given !== '') return given;
      if (op === '?') throw new Error(`compose.yaml requires ${name}: ${rest}`);
      return op === '-' ? rest : '';
    });
  }
  if (Array.isArray(value)) return value.map((item) => interpolate(item, env));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, interpolate(item, env)]));
  }
  return value;
}
