// docker-compose.yml, the Dockerfile, Prometheus and Grafana provisioning cannot run here (no
// Docker engine), so they are checked by reading them: every service the system needs, its image
// or build, 127.0.0.1-only ports, dependencies and their conditions, each Keel process's
// environment validated by the real configuration loader, Prometheus targets that match what the
// processes serve, and a dashboard whose PromQL names only metrics the code registers.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createHttpMetrics } from '../../api/http-metrics.js';
import { createConnectorMetrics } from '../../connectors/connector-metrics.js';
import { commands } from '../../cli/commands.js';
import { createEngineMetrics } from '../../engine/engine-metrics.js';
import { loadConfig, type Config } from '../../platform/config.js';

const root = join(import.meta.dirname, '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

// ---- the compose model ---------------------------------------------------------------------

type DependsOn = Record<string, { condition: string }>;
type Service = {
  image?: string;
  build?: { context: string; dockerfile?: string };
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  env_file?: unknown;
  ports?: (string | { host_ip?: string; published?: string | number; target: number })[];
  depends_on?: DependsOn | string[];
  healthcheck?: { test: string | string[] };
  volumes?: string[];
  configs?: { source: string; target: string }[];
  networks?: Record<string, { ipv4_address?: string } | null>;
  restart?: string;
};
type Compose = {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
  configs?: Record<string, { content?: string; file?: string }>;
  networks?: Record<string, { ipam?: { config?: { subnet: string }[] } }>;
};

/** Compose's interpolation: `$$`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?message}`, `${VAR:+alternative}`. */
function interpolate(text: string, env: Record<string, string>): string {
  let result = '';
  for (let index = 0; index < text.length;) {
    if (text.startsWith('$$', index)) {
      result += '$';
      index += 2;
    } else if (text.startsWith('${', index)) {
      let depth = 1;
      let end = index + 2;
      for (; end < text.length && depth > 0; end += 1) {
        if (text.startsWith('${', end)) depth += 1;
        else if (text[end] === '}') depth -= 1;
      }
      const inner = text.slice(index + 2, end - 1);
      const match = /^([A-Za-z_]\w*)(?:(:?)([-?+])([\s\S]*))?$/.exec(inner);
      if (match === null) throw new Error(`bad interpolation \${${inner}}`);
      const [, name, colon, operator, argument] = match as unknown as [
        string,
        string,
        string | undefined,
        string | undefined,
        string | undefined,
      ];
      const value = env[name];
      const set = colon === ':' ? value !== undefined && value !== '' : value !== undefined;
      if (operator === '-') result += set ? value! : interpolate(argument ?? '', env);
      else if (operator === '+') result += set ? interpolate(argument ?? '', env) : '';
      else if (operator === '?') {
        if (!set) throw new Error(`${name}: ${argument ?? 'required'}`);
        result += value;
      } else result += value ?? '';
      index = end;
    } else if (text[index] === '$' && /[A-Za-z_]/.test(text[index + 1] ?? '')) {
      const name = /^[A-Za-z_]\w*/.exec(text.slice(index + 1))![0];
      result += env[name] ?? '';
      index += 1 + name.length;
    } else {
      result += text[index];
      index += 1;
    }
  }
  return result;
}

function interpolateAll<T>(value: T, env: Record<string, string>): T {
  if (typeof value === 'string') return interpolate(value, env) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => interpolateAll(item, env)) as T;
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, interpolateAll(item, env)])) as T;
  return value;
}

const compose_text = read('docker-compose.yml');
function loadCompose(env: Record<string, string> = {}): Compose {
  return interpolateAll(parse(compose_text, { merge: true }) as Compose, env);
}
const compose = loadCompose();

function service(name: string): Service {
  const found = compose.services[name];
  if (found === undefined) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
}

function environment(name: string): Record<string, string> {
  const env = service(name).environment ?? {};
  if (Array.isArray(env))
    return Object.fromEntries(env.map((item) => [item.split('=')[0]!, item.slice(item.indexOf('=') + 1)]));
  return Object.fromEntries(Object.entries(env).map(([key, value]) => [key, value === null ? '' : String(value)]));
}

function dependsOn(name: string): DependsOn {
  const depends = service(name).depends_on ?? {};
  return Array.isArray(depends)
    ? Object.fromEntries(depends.map((item) => [item, { condition: 'service_started' }]))
    : depends;
}

function words(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : value.split(/\s+/).filter((word) => word !== '');
}

/** Published ports as [host ip, host port, container port]. */
function publishedPorts(name: string): [string, number, number][] {
  return (service(name).ports ?? []).map((port) => {
    if (typeof port !== 'string') return [port.host_ip ?? '', Number(port.published), port.target];
    const parts = port.split(':');
    if (parts.length !== 3) return ['', Number(parts.at(-2)), Number(parts.at(-1))];
    return [parts[0]!, Number(parts[1]), Number(parts[2])];
  });
}

/** The `keel` subcommands, from the command table cli/main.ts runs them from. */
const cli_commands = Object.keys(commands);

/** Every environment variable platform/config.ts reads (the keys of its zod schema). */
const config_variables = (() => {
  const text = read('platform/config.ts');
  const start = text.indexOf('const env_schema');
  const block = text.slice(start, text.indexOf('.superRefine', start));
  return new Set([...block.matchAll(/^\s{4}([A-Z][A-Z0-9_]*):/gm)].map((match) => match[1]!));
})();

const keel_services = {
  'keel-migrate': 'migrate',
  'keel-engine': 'engine',
  'keel-audit': 'audit',
  'keel-connectors': 'connect',
  'keel-api': 'api',
} as const;
type KeelService = keyof typeof keel_services;

/** What a Keel service's process would load (compose variables at their defaults). */
function keelConfig(name: KeelService): Config {
  return loadConfig(environment(name));
}

// ---- the code's metrics ---------------------------------------------------------------------

type MetricInfo = { type: string; labels: Set<string> };
const code_metrics = (() => {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  createEngineMetrics(registry);
  createConnectorMetrics(registry);
  createHttpMetrics(registry);
  const metrics = new Map<string, MetricInfo>();
  for (const metric of registry.getMetricsAsArray()) {
    const labels = new Set((metric as typeof metric & { labelNames?: readonly string[] }).labelNames ?? []);
    metrics.set(metric.name, { type: String(metric.type), labels });
  }
  return metrics;
})();

/** The series names Prometheus stores for the code's metrics (histograms as _bucket, _sum, _count), and `up`. */
const series = (() => {
  const names = new Map<string, { metric: string; info: MetricInfo; part: 'value' | 'bucket' | 'sum' | 'count' }>();
  for (const [name, info] of code_metrics) {
    if (info.type === 'histogram') {
      for (const part of ['bucket', 'sum', 'count'] as const)
        names.set(`${name}_${part}`, { metric: name, info, part });
    } else {
      names.set(name, { metric: name, info, part: 'value' });
      if (info.type === 'summary')
        for (const part of ['sum', 'count'] as const) names.set(`${name}_${part}`, { metric: name, info, part });
    }
  }
  names.set('up', { metric: 'up', info: { type: 'gauge', labels: new Set() }, part: 'value' });
  return names;
})();

const promql_keywords = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'offset',
  'and',
  'or',
  'unless',
  'inf',
  'nan',
]);
/** Labels every scraped series carries, whatever the code registers. */
const target_labels = ['job', 'instance'];

/** A small PromQL reader: the series an expression selects, the labels it groups or matches by. */
function readPromQL(expr: string) {
  let text = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  const matcher_labels = [...text.matchAll(/\{([^}]*)\}/g)].flatMap((match) =>
    [...match[1]!.matchAll(/([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)/g)].map((label) => label[1]!),
  );
  text = text
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\$\w+/g, ' ');
  const grouping_labels: string[][] = [];
  text = text.replace(
    /\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g,
    (_whole, _keyword: string, labels: string) => {
      grouping_labels.push(
        labels
          .split(',')
          .map((label) => label.trim())
          .filter((label) => label !== ''),
      );
      return ' ';
    },
  );
  const names: string[] = [];
  for (const match of text.matchAll(/[a-zA-Z_:][\w:]*/g)) {
    const after = text.slice(match.index + match[0].length);
    if (/^\s*\(/.test(after) || promql_keywords.has(match[0].toLowerCase())) continue;
    if (/[\d.]$/.test(text.slice(0, match.index))) continue; // exponent or duration unit of a number
    names.push(match[0]);
  }
  const rated = [...expr.matchAll(/\b(?:rate|irate|increase)\(\s*([a-zA-Z_:][\w:]*)/g)].map((match) => match[1]!);
  return { names, matcher_labels, grouping_labels, rated };
}

type Panel = {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  gridPos: { h: number; w: number; x: number; y: number };
  targets?: { expr: string; refId: string; legendFormat?: string; datasource?: { type: string; uid: string } }[];
  panels?: Panel[];
};
const dashboard_path = 'ops/grafana/dashboards/keel.json';
const dashboard = JSON.parse(read(dashboard_path)) as { uid: string; title: string; panels: Panel[] };
const all_panels = dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);
const query_panels = all_panels.filter((panel) => panel.type !== 'row');
const exprs = query_panels.flatMap((panel) =>
  (panel.targets ?? []).map((target) => ({ panel, target, ...readPromQL(target.expr) })),
);

// ---- the tests ------------------------------------------------------------------------------

describe('docker-compose.yml', () => {
  it('runs every part of the system, each from a pinned image or the Keel build', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      [
        'grafana',
        'kafka',
        'keel-api',
        'keel-audit',
        'keel-connectors',
        'keel-engine',
        'keel-migrate',
        'postgres',
        'prometheus',
        'tigerbeetle',
      ].sort(),
    );
    const package_json = JSON.parse(read('package.json')) as { dependencies: Record<string, string> };
    // The server is the version of the pinned client.
    expect(service('tigerbeetle').image).toBe(
      `ghcr.io/tigerbeetle/tigerbeetle:${package_json.dependencies['tigerbeetle-node']}`,
    );
    expect(service('tigerbeetle').image).toBe('ghcr.io/tigerbeetle/tigerbeetle:0.17.9');
    expect(service('postgres').image).toMatch(/^postgres:\d+$/);
    expect(service('prometheus').image).toMatch(/^prom\/prometheus:v\d+\.\d+\.\d+$/);
    expect(service('grafana').image).toMatch(/^grafana\/grafana:\d+\.\d+\.\d+$/);
    for (const [name, command] of Object.entries(keel_services)) {
      const keel = service(name);
      expect(keel.build, name).toEqual({ context: '.', dockerfile: 'Dockerfile' });
      expect(keel.image, name).toBe('keel:local');
      expect(cli_commands, name).toContain(command);
      expect(words(keel.command)[0], name).toBe(command);
    }
  });

  it('pins Kafka to KAFKA_VERSION of scripts/kafka.sh', () => {
    const version = /^KAFKA_VERSION="([^"]+)"/m.exec(read('scripts/kafka.sh'))?.[1];
    expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(service('kafka').image).toBe(`apache/kafka:${version}`);
  });

  it('publishes ports on 127.0.0.1 only, each host port once', () => {
    const published = Object.keys(compose.services).flatMap((name) =>
      publishedPorts(name).map(([ip, host, container]) => ({ name, ip, host, container })),
    );
    for (const port of published) expect(port.ip, `${port.name} ${port.host}:${port.container}`).toBe('127.0.0.1');
    expect(new Set(published.map((port) => port.host)).size).toBe(published.length);
    const containerPorts = (name: string) => publishedPorts(name).map(([, , container]) => container);
    expect(containerPorts('tigerbeetle')).toEqual([3000]);
    expect(containerPorts('kafka')).toEqual([19092]);
    expect(containerPorts('postgres')).toEqual([5432]);
    expect(containerPorts('keel-engine')).toEqual([keelConfig('keel-engine').metrics.port]);
    expect(containerPorts('keel-api')).toEqual([keelConfig('keel-api').api.port]);
    expect(containerPorts('prometheus')).toEqual([9090]);
    expect(containerPorts('grafana')).toEqual([3000]);
    // Moved on the host by the same variables as the scripts use.
    const moved = loadCompose({ KAFKA_PORT: '29092', PGPORT: '25432', GRAFANA_PORT: '3333' });
    expect(moved.services.kafka!.ports).toEqual(['127.0.0.1:29092:29092']);
    expect(moved.services.postgres!.ports).toEqual(['127.0.0.1:25432:5432']);
    expect(moved.services.grafana!.ports).toEqual(['127.0.0.1:3333:3000']);
  });

  it('starts each process after what it needs, with the right conditions', () => {
    expect(dependsOn('keel-migrate')).toEqual({ postgres: { condition: 'service_healthy' } });
    expect(dependsOn('keel-engine')).toEqual({
      kafka: { condition: 'service_healthy' },
      tigerbeetle: { condition: 'service_healthy' },
    });
    expect(dependsOn('keel-audit')).toEqual({
      kafka: { condition: 'service_healthy' },
      postgres: { condition: 'service_healthy' },
      'keel-migrate': { condition: 'service_completed_successfully' },
    });
    expect(dependsOn('keel-connectors')).toMatchObject({ kafka: { condition: 'service_healthy' } });
    expect(dependsOn('keel-api')).toEqual({
      kafka: { condition: 'service_healthy' },
      postgres: { condition: 'service_healthy' },
      tigerbeetle: { condition: 'service_healthy' },
      'keel-migrate': { condition: 'service_completed_successfully' },
    });
    expect(dependsOn('grafana')).toEqual({ prometheus: { condition: 'service_healthy' } });
    for (const name of Object.keys(compose.services)) {
      for (const [dependency, { condition }] of Object.entries(dependsOn(name))) {
        expect(compose.services[dependency], `${name} → ${dependency}`).toBeDefined();
        expect(['service_started', 'service_healthy', 'service_completed_successfully']).toContain(condition);
        if (condition === 'service_healthy')
          expect(service(dependency).healthcheck, `${dependency} needs a healthcheck`).toBeDefined();
        // A one-shot must not be restarted, or "completed successfully" never comes.
        if (condition === 'service_completed_successfully') expect(service(dependency).restart, dependency).toBe('no');
      }
    }
    // Long-running services come back after a crash.
    for (const name of ['tigerbeetle', 'keel-engine', 'keel-audit', 'keel-api', 'prometheus', 'grafana'])
      expect(service(name).restart, name).toBe('unless-stopped');
  });

  it('gives each Keel process only variables platform/config.ts knows, and they validate', () => {
    expect(config_variables.size).toBeGreaterThan(20);
    expect(config_variables).toContain('KAFKA_BROKERS');
    for (const name of Object.keys(keel_services) as KeelService[]) {
      for (const variable of Object.keys(environment(name)))
        expect(config_variables, `${name}: ${variable}`).toContain(variable);
      expect(() => keelConfig(name), name).not.toThrow();
      const config = keelConfig(name);
      expect(config.ledger, name).toBe('tigerbeetle');
      expect(config.kafka.brokers, name).toEqual(['kafka:9092']);
      expect(config.database.url, name).toBe('postgres://keel@postgres:5432/keel');
    }
    // Reachable by Prometheus: not loopback inside the container.
    expect(keelConfig('keel-engine').metrics.host).toBe('0.0.0.0');
    expect(keelConfig('keel-connectors').metrics.host).toBe('0.0.0.0');
    expect(keelConfig('keel-api').api.host).toBe('0.0.0.0');
    // The API starts only with tokens: one to read and write, one for the metrics scraper.
    const scopes = keelConfig('keel-api').api.tokens.map((token) => token.scopes.join('+'));
    expect(scopes).toEqual(['read+write', 'metrics']);
    const chosen = loadCompose({
      KEEL_API_TOKEN: 'a-token-for-reading-and-writing',
      KEEL_METRICS_TOKEN: 'a-token-for-the-scraper-only',
    });
    expect(
      loadConfig(interpolateAll(chosen.services['keel-api']!.environment as Record<string, string>, {})).api.tokens.map(
        (token) => token.token,
      ),
    ).toEqual(['a-token-for-reading-and-writing', 'a-token-for-the-scraper-only']);
  });

  it('points every Keel process at the services on the compose network, on the ports they listen on', () => {
    const kafka_env = environment('kafka');
    expect(kafka_env.KAFKA_ADVERTISED_LISTENERS).toContain('INTERNAL://kafka:9092');
    expect(kafka_env.KAFKA_LISTENERS).toContain('INTERNAL://:9092');
    const tigerbeetle = service('tigerbeetle');
    const script = words(tigerbeetle.entrypoint).join(' ');
    const listen_port = /start --addresses=0\.0\.0\.0:(\d+)/.exec(script)?.[1];
    const cluster = /format --cluster=(\d+)/.exec(script)?.[1];
    // tigerbeetle-node accepts IP literals only (a host name is "Invalid replica address"), so
    // TigerBeetle has a fixed address inside the project's subnet.
    const ip = tigerbeetle.networks?.default?.ipv4_address;
    expect(ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const subnet = compose.networks?.default?.ipam?.config?.[0]?.subnet;
    expect(subnet).toMatch(/^\d+\.\d+\.\d+\.0\/24$/);
    expect(ip!.split('.').slice(0, 3).join('.')).toBe(subnet!.split('.').slice(0, 3).join('.'));
    for (const name of Object.keys(keel_services) as KeelService[]) {
      const config = keelConfig(name);
      expect(config.tigerbeetle.replica_addresses, name).toEqual([`${ip}:${listen_port}`]);
      expect(String(config.tigerbeetle.cluster_id), name).toBe(cluster);
      // Whatever a process reaches, it starts after (the one-shot migration needs PostgreSQL only).
      const reached =
        name === 'keel-migrate'
          ? ['postgres']
          : name === 'keel-engine'
            ? ['kafka', 'tigerbeetle']
            : name === 'keel-api'
              ? ['kafka', 'postgres', 'tigerbeetle']
              : ['kafka', 'postgres'];
      for (const dependency of reached)
        expect(Object.keys(dependsOn(name)), `${name} → ${dependency}`).toContain(dependency);
    }
  });

  it('formats the TigerBeetle data file on the first start only, on a volume', () => {
    const tigerbeetle = service('tigerbeetle');
    const entrypoint = words(tigerbeetle.entrypoint);
    expect(entrypoint.slice(0, 4)).toEqual(['tini', '--', '/bin/sh', '-ec']);
    const script = entrypoint.at(-1)!;
    expect(script).toMatch(/if \[ ! -e \/data\/0_0\.tigerbeetle \]; then/);
    expect(script).toContain(
      '/tigerbeetle format --cluster=0 --replica=0 --replica-count=1 /data/0_0.tigerbeetle.formatting',
    );
    expect(script).toContain('mv /data/0_0.tigerbeetle.formatting /data/0_0.tigerbeetle');
    expect(script).toMatch(/exec \/tigerbeetle start --addresses=0\.0\.0\.0:3000 .*\/data\/0_0\.tigerbeetle$/m);
    expect(tigerbeetle.volumes).toEqual(['tigerbeetle-data:/data']);
    expect(Object.keys(compose.volumes ?? {})).toContain('tigerbeetle-data');
    expect(tigerbeetle.healthcheck?.test).toEqual(['CMD-SHELL', "grep -q ':0BB8 00000000:0000 0A' /proc/net/tcp"]);
    expect((3000).toString(16).toUpperCase().padStart(4, '0')).toBe('0BB8');
  });

  it('replays the recorded exchange responses by default, from where the image has them', () => {
    const command = words(service('keel-connectors').command);
    expect(command.slice(0, 2)).toEqual(['connect', '--replay']);
    const directory = command[2]!;
    expect(directory.startsWith('/app/')).toBe(true);
    const in_repo = directory.slice('/app/'.length);
    expect(readdirSync(join(root, in_repo)).filter((file) => file.endsWith('.session.json')).length).toBeGreaterThan(0);
    expect(read('Dockerfile')).toContain(
      `COPY ${in_repo.replace(/\/sessions$/, '')} ${in_repo.replace(/\/sessions$/, '')}`,
    );
    // A live account instead: its arguments from KEEL_CONNECT_ARGS.
    const live = loadCompose({ KEEL_CONNECT_ARGS: '--venue bybit --account unified-main --since 2024-01-01' });
    expect(words(live.services['keel-connectors']!.command)).toEqual([
      'connect',
      '--venue',
      'bybit',
      '--account',
      'unified-main',
      '--since',
      '2024-01-01',
    ]);
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  it('builds Keel on node:20-slim with npm ci and npm run build, and runs the CLI as a non-root user', () => {
    const stages = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((match) => match[1]);
    expect(stages).toEqual(['node:20-slim', 'node:20-slim']);
    expect(dockerfile).toMatch(/^RUN npm ci\b/m);
    expect(dockerfile).toMatch(/^RUN npm run build\b/m);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^WORKDIR \/app$/m);
    expect(dockerfile).toContain('ENTRYPOINT ["node", "dist/cli/main.js"]');
    expect((JSON.parse(read('package.json')) as { bin: Record<string, string> }).bin.keel).toBe('dist/cli/main.js');
    for (const directory of ['migrations', 'examples', 'test/data/exchanges'])
      expect(dockerfile, directory).toContain(`COPY ${directory} ${directory}`);
  });

  it('copies every source folder the build compiles', () => {
    const build = JSON.parse(read('tsconfig.build.json')) as { include: string[] };
    for (const folder of build.include) expect(dockerfile, folder).toContain(`COPY ${folder} ${folder}`);
  });

  it('keeps dependencies, build output, caches and secrets out of the build context', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((line) => line.trim());
    for (const pattern of [
      'node_modules',
      'dist',
      '.cache',
      '.keel',
      '.git',
      '*.env',
      'test/*',
      '!test/data/exchanges',
    ])
      expect(ignored, pattern).toContain(pattern);
  });
});

describe('Prometheus (ops/prometheus/prometheus.yml)', () => {
  type ScrapeConfig = {
    job_name: string;
    metrics_path?: string;
    authorization?: { type?: string; credentials_file?: string };
    static_configs: { targets: string[] }[];
  };
  const prometheus = parse(read('ops/prometheus/prometheus.yml')) as {
    global: { scrape_interval: string };
    scrape_configs: ScrapeConfig[];
  };
  const job = (name: string) => prometheus.scrape_configs.find((config) => config.job_name === name);

  it('is the configuration the prometheus service loads', () => {
    const prometheus_service = service('prometheus');
    const config_file = words(prometheus_service.command)
      .find((flag) => flag.startsWith('--config.file='))
      ?.slice('--config.file='.length);
    expect(prometheus_service.volumes).toContain(`./ops/prometheus/prometheus.yml:${config_file}:ro`);
    expect(prometheus.global.scrape_interval).toMatch(/^\d+s$/);
    expect(new Set(prometheus.scrape_configs.map((config) => config.job_name)).size).toBe(
      prometheus.scrape_configs.length,
    );
  });

  it('scrapes exactly the Keel processes that serve metrics, at their service name and port', () => {
    // Which commands serve /metrics, from their code: the engine and a live connector on
    // KEEL_METRICS_PORT, the audit consumer likewise, the API on its own port; migrate serves none.
    const serves = (file: string) => /startMetricsServer\(/.test(read(file));
    expect(serves('cli/engine-command.ts')).toBe(true);
    expect(serves('cli/connect-command.ts')).toBe(true);
    expect(serves('cli/audit-command.ts')).toBe(true);
    expect(serves('cli/migrate-command.ts')).toBe(false);
    expect(read('api/metrics-route.ts')).toMatch(/app\.get\(\s*'\/metrics'/);
    const keel_jobs = prometheus.scrape_configs.filter((config) => config.job_name.startsWith('keel-'));
    expect(keel_jobs.map((config) => config.job_name).sort()).toEqual([
      'keel-api',
      'keel-audit',
      'keel-connectors',
      'keel-engine',
    ]);
    const expected: Record<string, string> = {
      'keel-audit': `keel-audit:${keelConfig('keel-audit').metrics.port}`,
      'keel-engine': `keel-engine:${keelConfig('keel-engine').metrics.port}`,
      'keel-connectors': `keel-connectors:${keelConfig('keel-connectors').metrics.port}`,
      'keel-api': `keel-api:${keelConfig('keel-api').api.port}`,
    };
    for (const config of keel_jobs) {
      expect(
        config.static_configs.flatMap((group) => group.targets),
        config.job_name,
      ).toEqual([expected[config.job_name]]);
      expect(config.metrics_path ?? '/metrics').toBe('/metrics');
    }
    for (const config of prometheus.scrape_configs) {
      for (const target of config.static_configs.flatMap((group) => group.targets)) {
        const host = target.split(':')[0]!;
        if (host !== 'localhost') expect(compose.services[host], `${config.job_name} → ${target}`).toBeDefined();
      }
    }
  });

  it('authenticates to the API with the token that has the metrics scope', () => {
    const api = job('keel-api')!;
    expect(api.authorization?.type).toBe('Bearer');
    const mounted = service('prometheus').configs?.find(
      (config) => config.target === api.authorization?.credentials_file,
    );
    expect(mounted).toBeDefined();
    for (const env of [{}, { KEEL_METRICS_TOKEN: 'a-token-for-the-scraper-only' }] as Record<string, string>[]) {
      const chosen = loadCompose(env);
      const content = chosen.configs?.[mounted!.source]?.content;
      const tokens = loadConfig(interpolateAll(chosen.services['keel-api']!.environment as Record<string, string>, {}))
        .api.tokens;
      expect(tokens.find((token) => token.token === content)?.scopes).toEqual(['metrics']);
    }
  });
});

describe('Grafana provisioning', () => {
  const grafana = service('grafana');
  const mountTarget = (source: string) =>
    grafana.volumes?.find((volume) => volume.startsWith(`${source}:`))?.split(':')[1];

  it('mounts the provisioning and dashboard folders', () => {
    expect(mountTarget('./ops/grafana/provisioning')).toBe('/etc/grafana/provisioning');
    expect(existsSync(join(root, 'ops/grafana/provisioning/datasources'))).toBe(true);
    expect(existsSync(join(root, 'ops/grafana/provisioning/dashboards'))).toBe(true);
  });

  it('provisions the compose Prometheus as the default data source', () => {
    const file = parse(read('ops/grafana/provisioning/datasources/prometheus.yml')) as {
      apiVersion: number;
      datasources: { uid: string; type: string; url: string; isDefault: boolean }[];
    };
    expect(file.apiVersion).toBe(1);
    expect(file.datasources).toHaveLength(1);
    const [datasource] = file.datasources;
    expect(datasource).toMatchObject({
      uid: 'keel-prometheus',
      type: 'prometheus',
      url: 'http://prometheus:9090',
      isDefault: true,
    });
    expect(publishedPorts('prometheus').map(([, , container]) => container)).toContain(9090);
  });

  it('loads the dashboards from the mounted folder', () => {
    const file = parse(read('ops/grafana/provisioning/dashboards/keel.yml')) as {
      apiVersion: number;
      providers: { type: string; options: { path: string } }[];
    };
    expect(file.apiVersion).toBe(1);
    const [provider] = file.providers;
    expect(provider!.type).toBe('file');
    expect(mountTarget('./ops/grafana/dashboards')).toBe(provider!.options.path);
    expect(readdirSync(join(root, 'ops/grafana/dashboards'))).toContain('keel.json');
    const home = environment('grafana').GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH!;
    expect(home).toBe(`${provider!.options.path}/keel.json`);
  });
});

describe(`the Grafana dashboard (${dashboard_path})`, () => {
  it('has unique panel ids, a layout within 24 columns, and queries the provisioned data source', () => {
    expect(dashboard.uid).toBe('keel-overview');
    expect(new Set(all_panels.map((panel) => panel.id)).size).toBe(all_panels.length);
    for (const panel of all_panels) {
      expect(panel.gridPos.x + panel.gridPos.w, panel.title).toBeLessThanOrEqual(24);
    }
    for (const panel of query_panels) {
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      expect(panel.datasource, panel.title).toEqual({ type: 'prometheus', uid: 'keel-prometheus' });
      for (const target of panel.targets!)
        expect(target.datasource, panel.title).toEqual({ type: 'prometheus', uid: 'keel-prometheus' });
    }
  });

  it('names only metrics the code registers, and only their labels', () => {
    expect(code_metrics.size).toBeGreaterThan(20);
    for (const { panel, target, names, matcher_labels, grouping_labels } of exprs) {
      const where = `${panel.title}: ${target.expr}`;
      expect(names.length, where).toBeGreaterThan(0);
      const labels = new Set(target_labels);
      for (const name of names) {
        const found = series.get(name);
        expect(
          found,
          `${where}: ${name} is not a metric of engine, connectors, API or the process defaults`,
        ).toBeDefined();
        for (const label of found!.info.labels) labels.add(label);
        if (found!.part === 'bucket') labels.add('le');
      }
      for (const label of [...matcher_labels, ...grouping_labels.flat()])
        expect(labels, `${where}: label ${label}`).toContain(label);
      // The legend names only labels the result keeps.
      const kept = grouping_labels.length > 0 ? new Set(grouping_labels.flat()) : labels;
      for (const match of (target.legendFormat ?? '').matchAll(/\{\{\s*(\w+)\s*\}\}/g))
        expect(kept, `${where}: legend {{${match[1]}}}`).toContain(match[1]);
    }
  });

  it('takes rates of counters and histogram series only, and quantiles from _bucket by le', () => {
    for (const { panel, target, names, rated, grouping_labels } of exprs) {
      const where = `${panel.title}: ${target.expr}`;
      for (const name of rated) {
        const found = series.get(name)!;
        expect(
          found.info.type === 'counter' || found.part !== 'value',
          `${where}: rate of ${name} (${found.info.type})`,
        ).toBe(true);
      }
      for (const name of names) {
        const found = series.get(name)!;
        if (found.part === 'bucket')
          expect(target.expr, `${where}: ${name} outside histogram_quantile`).toMatch(/^histogram_quantile\(/);
      }
      if (target.expr.startsWith('histogram_quantile(')) {
        expect(
          names.every((name) => series.get(name)!.part === 'bucket' && series.get(name)!.info.type === 'histogram'),
          where,
        ).toBe(true);
        expect(
          grouping_labels.some((labels) => labels.includes('le')),
          where,
        ).toBe(true);
      }
    }
  });

  it('shows throughput, lag, dead letters, conflicts, ledger latency, reconciliation mismatches and the API', () => {
    const used = new Set(exprs.flatMap((expr) => expr.names));
    for (const name of [
      'keel_engine_events_consumed_total',
      'keel_engine_events_posted_total',
      'keel_engine_consumer_lag_events',
      'keel_engine_events_dead_lettered_total',
      'keel_engine_conflicts_total',
      'keel_engine_ledger_request_duration_seconds_bucket',
      'keel_reconciliation_mismatches_total',
      'keel_api_requests_total',
      'keel_api_request_duration_seconds_bucket',
    ]) {
      expect(used, name).toContain(name);
    }
    const quantiles = (metric: string) =>
      exprs
        .filter((expr) => expr.names.includes(metric))
        .map((expr) => /^histogram_quantile\(([\d.]+),/.exec(expr.target.expr)?.[1]);
    expect(quantiles('keel_engine_ledger_request_duration_seconds_bucket')).toEqual(
      expect.arrayContaining(['0.5', '0.99']),
    );
    expect(quantiles('keel_api_request_duration_seconds_bucket')).toEqual(expect.arrayContaining(['0.5', '0.99']));
    const dlq = exprs.find((expr) => expr.names.includes('keel_engine_events_dead_lettered_total'))!;
    expect(dlq.grouping_labels.flat()).toContain('reason');
  });
});
