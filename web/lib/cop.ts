/**
 * @module web/lib/cop
 * COP amounts for the page: the chain counts in wei (10^18 per COP, and 1 COP per credit), as decimal strings that
 * outgrow a double, so they are formatted with BigInt, never through a float.
 */

const WEI = 10n ** 18n;

/**
 * @example formatCop('1500000000000000000') === '1.5'
 */
export function formatCop(wei: string, decimals = 6): string {
  if (!/^\d+$/.test(wei)) throw new RangeError(`not an amount in wei: ${JSON.stringify(wei)}`);
  const value = BigInt(wei);
  const whole = value / WEI;
  const frac = (value % WEI).toString().padStart(18, '0').slice(0, decimals).replace(/0+$/, '');
  const grouped = whole.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return frac ? `${grouped}.${frac}` : grouped;
}

/** A 0x address, 20 bytes in hex; the coordinator checks the checksum. */
export const isHexAddress = (value: string) => /^0x[0-9a-fA-F]{40}$/.test(value.trim());
