import { SearchAttributeType, defineSearchAttributeKey } from '@temporalio/common';

/**
 * The search attributes every run carries, so Temporal Web UI and `temporal workflow list --query`
 * can filter runs. Deterministic (no I/O): workflows import these too.
 */
export const statusSearchAttribute = defineSearchAttributeKey('FlightdeckStatus', SearchAttributeType.KEYWORD);
export const tenantSearchAttribute = defineSearchAttributeKey('FlightdeckTenant', SearchAttributeType.KEYWORD);
export const tagsSearchAttribute = defineSearchAttributeKey('FlightdeckTags', SearchAttributeType.KEYWORD_LIST);

export const flightdeckSearchAttributes = [statusSearchAttribute, tenantSearchAttribute, tagsSearchAttribute];

/** A run's search attributes as it starts (through the API, a schedule, or a parent's `ctx.run`). */
export const runStartSearchAttributes = (tenantId: string, tags: string[]) => [
  { key: statusSearchAttribute, value: 'created' },
  { key: tenantSearchAttribute, value: tenantId },
  { key: tagsSearchAttribute, value: tags },
];
