import fc from 'fast-check';
import { temporalScheduleId, tickWorkflowIdPrefix } from './schedule-contract';

// The ids the API admits (lib/rest-schemas.ts): tenants of letters, digits, ".", "_", "-"; schedules of letters, digits, "_", "-".
const tenantId = fc.stringMatching(/^[A-Za-z0-9._-]{1,12}$/);
const scheduleId = fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/);

describe('schedule ids in Temporal', () => {
  it('never give two schedules the same tick workflow id or schedule id', () => {
    fc.assert(
      fc.property(tenantId, scheduleId, tenantId, scheduleId, (tenantA, scheduleA, tenantB, scheduleB) => {
        fc.pre(tenantA !== tenantB || scheduleA !== scheduleB);
        expect(tickWorkflowIdPrefix(tenantA, scheduleA)).not.toBe(tickWorkflowIdPrefix(tenantB, scheduleB));
        expect(temporalScheduleId(tenantA, scheduleA)).not.toBe(temporalScheduleId(tenantB, scheduleB));
      }),
      { numRuns: 2_000 },
    );
    // The pair the old `fds-<tenant>-<schedule>` form confused.
    expect(tickWorkflowIdPrefix('acme-eu', 'nightly')).not.toBe(tickWorkflowIdPrefix('acme', 'eu-nightly'));
  });
});
