'use client';

import { useEffect, useRef, useState } from 'react';

export type LiveStatus = 'connecting' | 'live' | 'reconnecting' | 'ended' | 'stopped';

export interface LiveState {
  status: LiveStatus;
  /** How many times the view lost its stream (the browser's, or the server's to the API) and resumed. */
  reconnects: number;
  error: string | null;
}

/**
 * Follows one of the dashboard's same-origin SSE routes (web/app/api/live/…). The browser's
 * EventSource reconnects by itself and sends Last-Event-ID, so the route resumes where it left off;
 * `status` frames say when the server side is reconnecting to the API.
 */
export function useLiveStream(
  url: string | null,
  handlers: Record<string, (data: unknown) => void>,
  /** Each time the stream (re)opens, before its first message: state the route sends afresh (streamed answers) is dropped here. */
  onOpen?: () => void,
): LiveState {
  const [state, setState] = useState<LiveState>({ status: 'connecting', reconnects: 0, error: null });
  const handlersRef = useRef(handlers);
  const onOpenRef = useRef(onOpen);
  useEffect(() => {
    handlersRef.current = handlers;
    onOpenRef.current = onOpen;
  });

  useEffect(() => {
    if (url === null) return;
    const source = new EventSource(url);
    const setStatus = (status: LiveStatus, error: string | null = null) =>
      setState((previous) => ({
        status,
        error,
        reconnects: previous.reconnects + (status === 'reconnecting' && previous.status !== 'reconnecting' ? 1 : 0),
      }));
    const read = (event: MessageEvent<string>): unknown => JSON.parse(event.data);

    source.addEventListener('open', () => onOpenRef.current?.());
    source.addEventListener('status', (event) => {
      const { status } = read(event) as { status: LiveStatus };
      setStatus(status);
    });
    source.addEventListener('end', () => {
      source.close();
      setStatus('ended');
    });
    source.addEventListener('fatal', (event) => {
      source.close();
      const { message } = read(event) as { message: string };
      setStatus('stopped', message);
    });
    source.addEventListener('error', () => {
      // CLOSED: the route refused (e.g. signed out); CONNECTING: the browser is retrying by itself.
      if (source.readyState === EventSource.CLOSED) setStatus('stopped', 'the live stream was refused; reload the page');
      else setStatus('reconnecting');
    });
    for (const name of Object.keys(handlersRef.current)) {
      source.addEventListener(name, (event) => handlersRef.current[name]?.(read(event as MessageEvent<string>)));
    }
    return () => source.close();
  }, [url]);

  return state;
}
