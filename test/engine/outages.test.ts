// The posting engine through outages: a ledger that stops answering, and a broker that crashes
// and restarts mid-stream. Nothing may be lost or posted twice.
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngineMetrics } from '../../engine/engine-metrics.js';
import { PostingEngine } from '../../engine/posting-engine.js';
import { AssetRegistry } from '../../ledger/asset-registry.js';
import { EmbeddedLedger } from '../../ledger/embedded-ledger.js';
import type { Ledger, Transfer } from '../../ledger/ledger-port.js';
import { createKafka } from '../../platform/kafka.js';
import { createLogger } from '../../platform/logger.js';
import { generateEvents } from '../support/event-generator.js';
import {
  createTopics,
  kafkaBrokers,
  publish,
  testKafka,
  uniqueTopics,
  waitForGroupCaughtUp,
  withAdmin,
  type TestTopics,
} from '../support/kafka-test-kit.js';
import { checkLedgerInvariants } from '../support/ledger-invariants.js';
import { startPrivateKafka } from '../support/private-services.js';

const registry = new AssetRegistry();
const running: PostingEngine[] = [];

const cleanup: (() => Promise<void>)[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((engine) => engine.stop()));
  for (const step of cleanup.splice(0).reverse()) await step();
});

/**
 * An outage cannot be ordered from a real TigerBeetle on demand, so this is a mock of one: the
 * embedded ledger behind a switch that makes creates fail as an unreachable cluster does.
 */
class SwitchableOutageLedgerMock extends EmbeddedLedger {
  down = false;
  refused = 0;
  override async createTransfers(transfers: readonly Transfer[]) {
    if (this.down) {
      this.refused += 1;
      throw new Error('ledger unreachable (simulated outage)');
    }
    return super.createTransfers(transfers);
  }
}

function startEngine(ledger: Ledger, topics: TestTopics, metrics_registry: Registry, brokers = kafkaBrokers()) {
  const logger = createLogger(process.env.KEEL_TEST_LOG_LEVEL ?? 'silent');
  const engine = new PostingEngine(
    createKafka({ brokers, client_id: 'keel-engine-test' }, logger),
    ledger,
    registry,
    createEngineMetrics(metrics_registry),
    logger,
    {
      ...topics,
      events_partitions: 2,
      session_timeout_ms: 6_000,
      retry_backoff_ms_max: 500,
    },
  );
  running.push(engine);
  return engine;
}

async function gauge(metrics_registry: Registry, name: string): Promise<number | undefined> {
  return (await metrics_registry.getSingleMetric(name)?.get())?.values[0]?.value;
}

describe('posting engine through outages', () => {
  it('pauses while the ledger does not answer, stays in its group, commits nothing, and resumes when it answers', async () => {
    const kafka = testKafka();
    const topics = uniqueTopics('ledger-outage');
    await createTopics(kafka, topics, 2);
    const events = [...generateEvents(2000, { seed: 404 })];
    const ledger = new SwitchableOutageLedgerMock();
    ledger.down = true;
    await publish(kafka, topics.events_topic, events);
    const metrics_registry = new Registry();
    await startEngine(ledger, topics, metrics_registry).start();

    const deadline_ms = Date.now() + 30_000;
    while (ledger.refused < 5 && Date.now() < deadline_ms) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(ledger.refused).toBeGreaterThanOrEqual(5);
    expect(await gauge(metrics_registry, 'keel_engine_ledger_available')).toBe(0);
    await withAdmin(kafka, async (admin) => {
      const { groups } = await admin.describeGroups([topics.group_id]);
      expect(groups[0]).toMatchObject({ state: 'Stable' });
      expect(groups[0]!.members).toHaveLength(1);
      const [committed] = await admin.fetchOffsets({ groupId: topics.group_id, topics: [topics.events_topic] });
      expect(committed!.partitions.every((partition) => partition.offset === '-1')).toBe(true);
    });

    ledger.down = false;
    await waitForGroupCaughtUp(kafka, topics.events_topic, topics.group_id);
    expect(await gauge(metrics_registry, 'keel_engine_ledger_available')).toBe(1);
    const report = await checkLedgerInvariants(ledger, events, registry);
    expect(report.problems).toEqual([]);
  });

  it(
    'loses nothing and posts nothing twice when the broker crashes and restarts mid-stream',
    { timeout: 300_000 },
    async () => {
      // A private broker: restarting the shared one would disturb every test running beside this one.
      const broker = await startPrivateKafka();
      cleanup.push(() => broker.stop());
      const kafka = testKafka([broker.address]);
      const topics = uniqueTopics('broker-restart');
      await createTopics(kafka, topics, 2);
      const events = [...generateEvents(150_000, { seed: 505 })];
      await publish(kafka, topics.events_topic, events);
      const ledger = new EmbeddedLedger();
      const metrics_registry = new Registry();
      await startEngine(ledger, topics, metrics_registry, [broker.address]).start();

      // Wait until posting is under way, then crash the broker (SIGKILL) and bring it back on the same data.
      const posted = async () =>
        (await metrics_registry.getSingleMetric('keel_engine_events_consumed_total')?.get())?.values[0]?.value ?? 0;
      while ((await posted()) === 0) await new Promise((resolve) => setTimeout(resolve, 50));
      await broker.command('restart', 'kill');
      expect(await posted()).toBeLessThan(events.length);

      await waitForGroupCaughtUp(kafka, topics.events_topic, topics.group_id, 180_000);
      const report = await checkLedgerInvariants(ledger, events, registry);
      expect(report.problems).toEqual([]);
      expect(report.transfers).toBe(report.expected_transfers);
    },
  );
});
