/**
 * @module server/chain/settled-credit
 * What the poster needs from the coordinator: every volunteer with a linked address and the credit that is past
 * the settling period (credit is final; claimed COP cannot be taken back). Cumulative, in cobblestones.
 */
import type { Address } from 'viem';

export type SettledCredit = () => Promise<Array<{ address: Address; credit: number }>>;
