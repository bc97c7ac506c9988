// One valid example of every canonical event type, shared by tests.
const envelope = { id: 'binance:spot-main:trade:BTCUSDT:28457', time: '2024-03-01T12:00:00.000Z', venue: 'binance', account: 'spot-main' };
const spot = { symbol: 'BTC/USDT', kind: 'spot', base: 'BTC', quote: 'USDT' };
const perp = { symbol: 'BTC/USDT:USDT', kind: 'perpetual', base: 'BTC', quote: 'USDT', settle: 'USDT', contract_size: '0.001' };

/** One valid example of every event type of the contract. */
export const example_events = {
  trade: { ...envelope, type: 'trade', instrument: spot, side: 'buy', quantity: '0.5', price: '60000', cost: '30000', fees: [{ asset: 'BNB', amount: '0.01' }], order_id: 'o1', trade_id: '28457', client_order_id: 'c1', liquidity: 'taker', liquidation: false },
  funding: { ...envelope, id: 'f1', type: 'funding', instrument: perp, asset: 'USDT', amount: '-1.25' },
  settlement: { ...envelope, id: 's1', type: 'settlement', instrument: perp, asset: 'USDT', amount: '120.5' },
  deposit: { ...envelope, id: 'd1', type: 'deposit', asset: 'BTC', amount: '1', fee: '0.0001', txid: '0xabc', cost_basis: { amount: '30000', currency: 'USD', acquired_at: '2023-01-01T00:00:00.000Z' } },
  withdrawal: { ...envelope, id: 'w1', type: 'withdrawal', asset: 'USDT', amount: '100', fee: '1' },
  transfer: { ...envelope, id: 'x1', type: 'transfer', asset: 'USDT', amount: '50', to_venue: 'bybit', to_account: 'unified' },
  margin: { ...envelope, id: 'm1', type: 'margin', asset: 'USDT', amount: '500', action: 'lock', instrument: perp },
  income: { ...envelope, id: 'i1', type: 'income', asset: 'BNB', amount: '0.2', kind: 'referral' },
  decision: { ...envelope, id: 'dec1', type: 'decision', client_order_id: 'c1', strategy: 'momentum', strategy_version: '2.1.0', instrument: spot, side: 'buy', quantity: '0.5', signals: { momentum_1h: 1.8 }, rationale: 'trend up' },
  risk_check: { ...envelope, id: 'r1', type: 'risk_check', client_order_id: 'c1', checks: [{ name: 'max_notional', value: 30000, limit: 100000, passed: true }], approved: true },
  order: { ...envelope, id: 'ord1', type: 'order', client_order_id: 'c1', order_id: 'o1', status: 'filled', instrument: spot, side: 'buy', quantity: '0.5', price: '60000', order_type: 'limit' },
} as const;

