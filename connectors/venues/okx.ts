// OKX v5 (ccxt `okx`, spot and swaps). ccxt's unified fill is exact with `number = String`: it
// negates OKX's fee sign (OKX: negative = charged) so that a positive cost is a fee paid and a
// negative one a rebate, which is Keel's convention. Funding comes from the bills archive
// (type 8) as `balChg`, a balance change: positive = received, Keel's sign.
// Bills (/api/v5/account/bills): type 2 trade rows carry the fill's fee (covered by fills) and, when
// a position is reduced, the realised `pnl` (a settlement); type 8 is funding (funding stream);
// 3 delivery and 5 liquidation settle `pnl`; 7 is interest. Funding-account bills
// (/api/v5/asset/bills, no `subType`) are deposits, withdrawals and transfers: the transfers stream.
import { exactDecimal, signOfDecimal } from '../exact-decimal.js';
import type { LedgerDisposition, VenueMapping } from '../venue-mapping.js';
import { text, type CcxtLedgerEntry } from '../venue-records.js';

export const okx_mapping: VenueMapping = {
  clientOrderId: (info) => text(info.clOrdId),
  liquidation: (info) => ['100', '101', '102', '103', '104', '105', '106', '107'].includes(text(info.subType) ?? ''),
  ledger: (entry) => billDisposition(entry),
};

function billDisposition(entry: CcxtLedgerEntry): LedgerDisposition {
  const type = text(entry.info.type) ?? '';
  if (!('subType' in entry.info))
    return {
      kind: 'covered',
      by: 'transfers',
      why: `funding-account bill type ${type}: deposits, withdrawals and transfers arrive through the transfers stream`,
    };
  const pnl = exactDecimal(entry.info.pnl ?? '0', 'info.pnl');
  const market_id = text(entry.info.instId);
  const settlement = (): LedgerDisposition =>
    market_id === undefined
      ? { kind: 'unmapped', why: `bill type ${type} with pnl but no instId` }
      : { kind: 'settlement', amount: pnl, market_id, market_type: 'any' };
  switch (type) {
    case '2':
      return signOfDecimal(pnl) === 0 || text(entry.info.instType) === 'SPOT'
        ? { kind: 'covered', by: 'fills', why: 'the fee and cash of a fill' }
        : settlement();
    case '3':
    case '5':
    case '9':
      return settlement();
    case '8':
      return { kind: 'covered', by: 'funding', why: 'funding fees are read by the funding stream' };
    case '1':
    case '6':
    case '12':
      return { kind: 'covered', by: 'transfers', why: 'transfers arrive through the transfers stream' };
    case '7':
      return { kind: 'income', amount: exactDecimal(entry.info.balChg, 'info.balChg'), income_kind: 'interest' };
    default:
      return { kind: 'unmapped', why: `okx bill type '${type}' has no mapping` };
  }
}
