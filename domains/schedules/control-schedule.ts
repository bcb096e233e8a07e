import type { AdminAction } from '../../lib/admin-audit';
import type { Principal } from '../keys';
import { auditSchedule, describeOwn, temporalCall, type ScheduleDeps } from './schedule-deps';

export type ScheduleControl = 'pause' | 'unpause' | 'trigger' | 'delete';
const auditAction: Record<ScheduleControl, AdminAction> = {
  pause: 'schedule.paused',
  unpause: 'schedule.unpaused',
  trigger: 'schedule.triggered',
  delete: 'schedule.deleted',
};

/** Pause, unpause, trigger now (a tick outside the spec; overlap allowed) or delete; each is audited. */
export async function controlSchedule(deps: ScheduleDeps, principal: Principal, id: string, control: ScheduleControl, note: string | null): Promise<void> {
  const { handle } = await describeOwn(deps, principal, id);
  const actions: Record<ScheduleControl, () => Promise<void>> = {
    pause: () => handle.pause(note ?? `paused through the Flightdeck API by ${principal.actor.id}`),
    unpause: () => handle.unpause(note ?? `unpaused through the Flightdeck API by ${principal.actor.id}`),
    trigger: () => handle.trigger('ALLOW_ALL'),
    delete: () => handle.delete(),
  };
  await temporalCall(deps, id, actions[control]);
  await auditSchedule(deps, principal, auditAction[control], id, note ? { note } : {});
}
