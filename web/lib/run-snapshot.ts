/**
 * The run page reads the run row and its events in parallel, so one read can land before the run's
 * next append and the other after it. Events are cut back to the row's `lastSeq` (the row and its
 * events are written in one statement), so header, facts and timeline show the same moment, and the
 * live stream, which starts after the last event shown, delivers the rest — including the terminal
 * event that refreshes the header. Without the cut, a run that ended between the two reads showed
 * `run.completed` in its timeline and `running` in its header until a reload.
 */
export function eventsAsOfRun<T extends { seq: number }>(run: { lastSeq: number }, events: T[]): T[] {
  return events.filter((event) => event.seq <= run.lastSeq);
}
