/** React binding of the live-events client: subscribe for the life of a component. */
import { useEffect, useRef, useState } from 'react'

import { type ConnectionState, type EventsFilter, type LiveEvent, subscribeEvents, type TestEvent } from './events'

export interface LiveEventsHandlers {
  onEvent: (event: LiveEvent) => void
  onTestEvent?: (event: TestEvent) => void
  onReset?: () => void
}

/**
 * Follow the caller's runs (optionally one workflow's or one run's) while mounted.
 * Handlers may change every render; the stream reopens only when the filter changes.
 * Returns the connection state (for a "live" indicator).
 */
export function useLiveEvents(filter: EventsFilter, handlers: LiveEventsHandlers, enabled = true): ConnectionState {
  const handlersRef = useRef(handlers)
  const [state, setState] = useState<ConnectionState>('connecting')
  useEffect(() => {
    handlersRef.current = handlers
  })
  const { workflowId, logId } = filter
  useEffect(() => {
    if (!enabled) return
    const subscription = subscribeEvents({
      workflowId,
      logId,
      onEvent: (event) => handlersRef.current.onEvent(event),
      onTestEvent: (event) => handlersRef.current.onTestEvent?.(event),
      onReset: () => handlersRef.current.onReset?.(),
      onStateChange: setState,
    })
    return () => subscription.close()
  }, [workflowId, logId, enabled])
  return state
}
