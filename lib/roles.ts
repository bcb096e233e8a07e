import type { Role } from './run-spec';

/** viewer < operator < approver < admin: each role can do what the ones below it can. */
export const roleRank: Record<Role, number> = { viewer: 0, operator: 1, approver: 2, admin: 3 };

export const hasRole = (role: Role, required: Role): boolean => roleRank[role] >= roleRank[required];
