/** One server-sent message as a test reads it: its `id` (when it has one), its event name and its JSON data. */
export interface ServerSentMessage {
  id?: string;
  event: string;
  data: any;
}

/**
 * Reads `body`'s server-sent events into `messages` as they arrive (comment lines and messages
 * without an event name are skipped); resolves when the body ends, rejects when it breaks off or
 * its fetch is aborted.
 */
export async function readServerSentEvents(body: ReadableStream<Uint8Array> | null, messages: ServerSentMessage[]): Promise<void> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const fields = Object.fromEntries(block.split('\n').map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2)]));
      if (fields.event) messages.push({ ...(fields.id ? { id: fields.id } : {}), event: fields.event, data: JSON.parse(fields.data ?? 'null') });
    }
  }
}
