/**
 * THE live-events client (Server-Sent Events on `GET /api/events`).
 *
 * EventSource cannot send headers, so each connection first gets a 60-second stream token
 * (`POST /api/events/token`) and passes it as `?token=`. Because that token expires, the
 * browser's own reconnect would fail: this client closes a broken stream and reconnects
 * itself with a fresh token and `last_event_id` (the `Last-Event-ID` of the last event
 * seen), so nothing is missed. `events.reset` (the id is too old) calls `onReset`: refetch.
 * `workflow.test_event` (a webhook's test URL caught a delivery) goes to `onTestEvent` only.
 */
import { api } from './client'

export type LiveEventType = 'execution.created' | 'execution.updated' | 'step.updated'

/** `execution.created` / `execution.updated` data: a run's summary. */
export interface ExecutionEvent {
  id: number
  workflow_id: number
  status: string
  trigger?: string
  started_at?: string | null
  finished_at?: string | null
  duration_ms?: number | null
  updated_at?: string
  [key: string]: unknown
}

/** `step.updated` data: one node's step. */
export interface StepEvent {
  log_id: number
  workflow_id: number
  node_id: string
  type: string
  status: string
  attempts: number
  started_at?: string | null
  finished_at?: string | null
  duration_ms?: number | null
}

/** `workflow.test_event` data: a workflow's test URL captured a delivery (nothing ran). */
export interface TestEvent {
  workflow_id: number
  node_id: string
  captured_at: string
  method: string
}

export type LiveEvent =
  | { id: string; type: 'execution.created' | 'execution.updated'; data: ExecutionEvent }
  | { id: string; type: 'step.updated'; data: StepEvent }

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed'

export interface EventsFilter {
  workflowId?: number
  logId?: number
}

export interface EventsOptions extends EventsFilter {
  /** Every execution/step event, in order. */
  onEvent: (event: LiveEvent) => void
  /** A workflow's test URL captured a delivery: its sample is at `GET /workflows/{id}/sample`. */
  onTestEvent?: (event: TestEvent) => void
  /** Events were lost (too old to replay): refetch what is shown. */
  onReset?: () => void
  /** The replay is done; live events follow. */
  onReady?: () => void
  onStateChange?: (state: ConnectionState) => void
  /** Resume after this id (e.g. kept from an earlier subscription). */
  lastEventId?: string
  /** For tests; defaults to the browser's EventSource. */
  EventSourceImpl?: typeof EventSource
  /** Reconnect delays in ms: min, max (doubling in between). */
  backoff?: { min: number; max: number }
}

export interface Subscription {
  close: () => void
  /** The id of the last event received (the resume point). */
  lastEventId: () => string | undefined
}

const LIVE_TYPES: LiveEventType[] = ['execution.created', 'execution.updated', 'step.updated']

interface StreamToken {
  token: string
  expires_in: number
}

/** Build the stream URL for a token, filter and resume point. */
export function eventsUrl(token: string, filter: EventsFilter, lastEventId?: string): string {
  const params = new URLSearchParams({ token })
  if (filter.workflowId) params.set('workflow_id', String(filter.workflowId))
  if (filter.logId) params.set('log_id', String(filter.logId))
  if (lastEventId) params.set('last_event_id', lastEventId)
  return `/api/events?${params.toString()}`
}

/** Open a live stream; call `close()` to stop (e.g. in a React effect's cleanup). */
export function subscribeEvents(options: EventsOptions): Subscription {
  const Impl = options.EventSourceImpl ?? globalThis.EventSource
  const backoff = options.backoff ?? { min: 500, max: 15_000 }
  let lastId = options.lastEventId
  let source: EventSource | null = null
  let closed = false
  let delay = backoff.min
  let timer: ReturnType<typeof setTimeout> | undefined
  const setState = (state: ConnectionState) => options.onStateChange?.(state)

  const scheduleReconnect = () => {
    if (closed) return
    setState('reconnecting')
    timer = setTimeout(connect, delay)
    delay = Math.min(delay * 2, backoff.max)
  }

  const track = (event: MessageEvent) => {
    if (event.lastEventId) lastId = event.lastEventId
  }

  async function connect(): Promise<void> {
    if (closed) return
    setState(source ? 'reconnecting' : 'connecting')
    let token: StreamToken
    try {
      token = await api.post<StreamToken>('/events/token')
    } catch {
      scheduleReconnect() // offline, or the session ended (then the app leaves this page)
      return
    }
    if (closed) return
    const es = new Impl(eventsUrl(token.token, options, lastId))
    source = es
    es.onopen = () => {
      delay = backoff.min
      setState('open')
    }
    es.onerror = () => {
      // Never let the browser retry with the (soon expired) token: reconnect ourselves.
      es.close()
      if (source === es) scheduleReconnect()
    }
    for (const type of LIVE_TYPES) {
      es.addEventListener(type, (raw) => {
        const event = raw as MessageEvent<string>
        track(event)
        options.onEvent({ id: event.lastEventId, type, data: JSON.parse(event.data) } as LiveEvent)
      })
    }
    es.addEventListener('workflow.test_event', (raw) => {
      const event = raw as MessageEvent<string>
      track(event)
      options.onTestEvent?.(JSON.parse(event.data) as TestEvent)
    })
    es.addEventListener('events.ready', (raw) => {
      track(raw as MessageEvent)
      options.onReady?.()
    })
    es.addEventListener('events.reset', (raw) => {
      // The stream goes on from its newest id: resume from there, and refetch what was missed.
      track(raw as MessageEvent)
      options.onReset?.()
    })
  }

  void connect()
  return {
    close: () => {
      closed = true
      clearTimeout(timer)
      source?.close()
      setState('closed')
    },
    lastEventId: () => lastId,
  }
}
