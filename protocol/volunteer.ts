/**
 * @module protocol/volunteer
 * A volunteer's account: a name, the hosts they link to it, and optionally an Ethereum address for token claims.
 * Gridcoin's 2017 attack stole credit by claiming other people's accounts: here an address is linked only with a
 * signature from it (EIP-191 personal_sign of LINK_MESSAGE), and a host joins a volunteer only with a short-lived
 * code that one of the volunteer's own hosts asked for.
 */
import { z } from 'zod';
import { displayName } from './display-name.ts';
import { Id } from './work.ts';

export const Address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 0x-prefixed 20-byte hex address');

/** The exact text a volunteer signs with their wallet to link it. */
export const linkMessage = (volunteerId: number, address: string) =>
  `Terraflop: link volunteer ${volunteerId} to address ${address.toLowerCase()}`;

export const RenameVolunteer = z.strictObject({ name: displayName(64) });
export type RenameVolunteer = z.infer<typeof RenameVolunteer>;

export const LinkAddress = z.strictObject({
  address: Address,
  signature: z.string().regex(/^0x[0-9a-fA-F]{130}$/, 'must be a 65-byte hex signature'),
});
export type LinkAddress = z.infer<typeof LinkAddress>;

export const LinkCode = z.strictObject({
  /** Eight characters from an alphabet without look-alikes, valid for LINK_CODE_TTL_MS. */
  code: z.string().regex(/^[A-HJ-NP-Z2-9]{8}$/, 'must be 8 characters (A-Z and 2-9, no I, O, 0 or 1)'),
  expiresAt: z.number().int().optional(),
});
export type LinkCode = z.infer<typeof LinkCode>;

export const LINK_CODE_TTL_MS = 15 * 60_000;

export const Volunteer = z.strictObject({
  volunteerId: Id,
  name: z.string(),
  address: Address.nullable(),
  hosts: z.number().int().min(1),
});
export type Volunteer = z.infer<typeof Volunteer>;
