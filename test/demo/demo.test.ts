// The README's first command: the whole pipeline on the embedded defaults, no servers.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { flat, parseCsv, readPdfText } from '../support/pdf-reader.js';

const run = promisify(execFile);
const main_path = join(import.meta.dirname, '..', '..', 'cli', 'main.ts');

describe('keel demo', () => {
  it(
    'replays several venues, posts, audits, and writes the report, a trade explanation and the tax lots',
    { timeout: 180_000 },
    async () => {
      const out_dir = join(mkdtempSync(join(tmpdir(), 'keel-demo-')), 'out');
      const { stdout } = await run(process.execPath, ['--import', 'tsx', main_path, 'demo', '--out', out_dir], {
        env: { ...process.env, KEEL_LOG_LEVEL: 'warn' },
        timeout: 170_000,
      });
      expect(stdout).toMatch(/^events: \d+ read, \d+ posted, \d+ without transfers, 0 dead-lettered/);
      const head = /audit chain head: sequence (\d+), hash ([0-9a-f]{64})/.exec(stdout);
      expect(head).not.toBeNull();
      for (const venue of ['binance', 'binanceusdm', 'bybit', 'coinbase', 'deribit', 'kraken', 'okx'])
        expect(stdout).toMatch(new RegExp(`^${venue}\\s`, 'm'));

      const report = await readPdfText(readFileSync(join(out_dir, 'audit-report.pdf')));
      expect(report.pages.length).toBeGreaterThan(2);
      expect(flat(report.text)).toContain('Keel audit report');
      expect(flat(report.text)).toContain(head![2]!);

      const explanation = readFileSync(join(out_dir, 'trade-explanation.txt'), 'utf8');
      expect(explanation).toContain('strategy momentum (version 2.1.0)');
      const trade_pdf = await readPdfText(readFileSync(join(out_dir, 'trade-explanation.pdf')));
      expect(trade_pdf.pages).toHaveLength(1);
      expect(flat(trade_pdf.text)).toContain('binance:spot-main:order:8812001');

      const rows = parseCsv(readFileSync(join(out_dir, 'tax-lots-2024.csv'), 'utf8'));
      expect(rows.length).toBeGreaterThan(3);
      expect(existsSync(join(out_dir, 'open-lots.csv'))).toBe(true);
    },
  );

  it('serves the API with the configured limits (KEEL_API_READS_PER_MINUTE)', { timeout: 180_000 }, async () => {
    const out_dir = join(mkdtempSync(join(tmpdir(), 'keel-demo-')), 'out');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', main_path, 'demo', '--out', out_dir, '--serve', '--port', '0'],
      {
        env: { ...process.env, KEEL_LOG_LEVEL: 'warn', KEEL_API_READS_PER_MINUTE: '2' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const [, address, token] = await new Promise<RegExpExecArray>((resolve, reject) => {
        let stdout = '';
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          const match = /API on (http:\/\/\S+) \(Ctrl-C to stop\); token for this run: (\w+)/.exec(stdout);
          if (match !== null) resolve(match);
        });
        void exited.then(() => reject(new Error(`keel demo exited before serving:\n${stdout}`)));
      });
      const read = () => fetch(`${address}/v1/lots`, { headers: { authorization: `Bearer ${token}` } });
      expect((await read()).status).toBe(200);
      expect((await read()).status).toBe(200);
      const third = await read();
      expect(third.status).toBe(429);
      expect(((await third.json()) as { error: { message: string } }).error.message).toMatch(
        /^at most 2 read requests per minute/,
      );
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
