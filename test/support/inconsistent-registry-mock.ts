// A registry cannot be made inconsistent from a registry file, so this is a mock of a bug in one:
// it answers every other lookup of an asset with another ledger, so a transfer's two accounts end
// up on two ledgers and the posting rules build an unbalanced chain (a broken invariant).
import { AssetRegistry, type AssetSpec } from '../../ledger/asset-registry.js';

export class InconsistentRegistryMock extends AssetRegistry {
  private lookups = 0;

  override asset(code: string, field?: string): AssetSpec {
    const spec = super.asset(code, field);
    this.lookups += 1;
    return this.lookups % 2 === 0 ? { ...spec, ledger: spec.ledger + 1 } : spec;
  }
}
