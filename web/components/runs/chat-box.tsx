'use client';

import { useActionState, useEffect, useRef } from 'react';
import { sendMessageAction } from '@/app/(app)/runs/[id]/actions';
import type { ActionResult } from '@/lib/action-result';
import type { ChatMessage as Message } from '@/lib/timeline';

const initial: ActionResult = { ok: false, message: null, fieldErrors: {} };

/** The conversation of a conversational agent run, and a box to send the next message. */
export function ChatBox({ runId, messages, canSend }: { runId: string; messages: Message[]; canSend: boolean }) {
  const [state, action, pending] = useActionState(sendMessageAction, initial);
  const formRef = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (state.ok) formRef.current?.reset();
  }, [state]);
  const error = state.fieldErrors.text?.[0] ?? (state.ok ? null : state.message);
  return (
    <section aria-labelledby="chat-heading" className="card p-4">
      <h2 id="chat-heading" className="mb-3 text-lg font-semibold">
        Conversation
      </h2>
      <ol className="max-h-96 space-y-2 overflow-y-auto" aria-live="polite" data-testid="chat-messages" tabIndex={0} aria-label="Messages">
        {messages.length === 0 && <li className="muted text-sm">No messages yet. The agent answers here; send it a message below.</li>}
        {messages.map((message) => (
          <li key={message.seq} data-from={message.from} className={`flex ${message.from === 'user' ? 'justify-end' : 'justify-start'}`}>
            <div
              className={`max-w-[85%] whitespace-pre-wrap rounded-lg px-3 py-2 text-sm ${
                message.from === 'user' ? 'bg-blue-700 text-white' : 'bg-zinc-100 text-zinc-900 dark:bg-zinc-800 dark:text-zinc-100'
              }`}
            >
              <span className="sr-only">{message.from === 'user' ? `${message.who ?? 'You'}: ` : 'Agent: '}</span>
              {message.text}
            </div>
          </li>
        ))}
      </ol>
      {canSend ? (
        <form ref={formRef} action={action} className="mt-3 flex gap-2">
          <input type="hidden" name="runId" value={runId} />
          <label htmlFor="chat-text" className="sr-only">
            Message to the agent
          </label>
          <input
            id="chat-text"
            name="text"
            required
            maxLength={32_000}
            placeholder="Message the agent…"
            className="input"
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? 'chat-error' : undefined}
          />
          <button type="submit" className="btn btn-primary" disabled={pending}>
            {pending ? 'Sending…' : 'Send'}
          </button>
        </form>
      ) : (
        <p className="muted mt-3 text-sm">This conversation is closed (the run ended, or your role cannot send messages).</p>
      )}
      {error && (
        <p id="chat-error" role="alert" className="mt-1 text-sm text-red-700 dark:text-red-400">
          {error}
        </p>
      )}
    </section>
  );
}
