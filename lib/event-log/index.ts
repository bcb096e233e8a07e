/** The run event log: the hash chain, the one append path, and reads over the stored rows. */
export { appendEvents, appendEventsWithRun, eventsChannel, type Appended } from './append';
export { eventHash, toProjected, toRunEvent, type EventRow, type UnhashedRow } from './hash-chain';
export { findEventsByKeys, readEventPage, readEvents, storedEventRows, withinByteBudget, type EventPage } from './read';
export { attachConfiguredEventLog, attachEventLog, createEventLogState, eventLogOf, type EventLogState } from './state';
