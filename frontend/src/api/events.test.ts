import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import { type LiveEvent, subscribeEvents, type TestEvent } from './events'
import { endSession, setSession, takeEndReason } from './session'

/** A stand-in for the browser's EventSource (jsdom has none): the test plays the server. */
class FakeEventSource {
  static instances: FakeEventSource[] = []
  readonly url: string
  closed = false
  onopen: (() => void) | null = null
  onerror: (() => void) | null = null
  private listeners = new Map<string, Array<(event: MessageEvent) => void>>()

  constructor(url: string) {
    this.url = url
    FakeEventSource.instances.push(this)
  }

  addEventListener(type: string, listener: (event: MessageEvent) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener])
  }

  close() {
    this.closed = true
  }

  /** Server side: deliver one SSE frame. */
  emit(type: string, id: string, data: unknown) {
    const event = new MessageEvent(type, { data: JSON.stringify(data), lastEventId: id })
    for (const listener of this.listeners.get(type) ?? []) listener(event)
  }

  params() {
    return new URL(this.url, 'http://localhost').searchParams
  }
}

let tokens = 0

beforeEach(() => {
  FakeEventSource.instances = []
  tokens = 0
  setSession({ accessToken: 'access', refreshToken: 'refresh' })
  vi.stubGlobal('fetch', async (input: RequestInfo | URL) => {
    expect(String(input)).toBe('/api/events/token')
    tokens += 1
    return new Response(JSON.stringify({ token: `stream-${tokens}`, expires_in: 60 }), { status: 200 })
  })
})

afterEach(() => {
  vi.unstubAllGlobals()
  endSession('logout')
  takeEndReason()
})

const opened = async (count: number) => {
  await vi.waitFor(() => expect(FakeEventSource.instances).toHaveLength(count))
  return FakeEventSource.instances[count - 1]!
}

describe('subscribeEvents', () => {
  it('hands test events to onTestEvent, never to onEvent, and resumes after them', async () => {
    const events: LiveEvent[] = []
    const tests: TestEvent[] = []
    const sub = subscribeEvents({
      workflowId: 7, onEvent: (e) => events.push(e), onTestEvent: (e) => tests.push(e),
      EventSourceImpl: FakeEventSource as unknown as typeof EventSource,
    })
    const source = await opened(1)
    source.emit('workflow.test_event', '1700-4', { workflow_id: 7, node_id: 'hook', captured_at: '2026-01-01T00:00:00+00:00', method: 'POST' })
    expect(tests).toEqual([{ workflow_id: 7, node_id: 'hook', captured_at: '2026-01-01T00:00:00+00:00', method: 'POST' }])
    expect(events).toEqual([])
    expect(sub.lastEventId()).toBe('1700-4')
    sub.close()
  })

  it('opens the stream with a stream token and the filter, and delivers events', async () => {
    const events: LiveEvent[] = []
    const sub = subscribeEvents({ workflowId: 7, onEvent: (e) => events.push(e), EventSourceImpl: FakeEventSource as unknown as typeof EventSource })
    const source = await opened(1)
    expect(source.params().get('token')).toBe('stream-1')
    expect(source.params().get('workflow_id')).toBe('7')
    expect(source.params().has('last_event_id')).toBe(false)
    source.emit('execution.created', '1700-0', { id: 3, workflow_id: 7, status: 'queued' })
    source.emit('execution.updated', '1700-1', { id: 3, workflow_id: 7, status: 'success' })
    expect(events.map((e) => [e.id, e.type, e.data.status])).toEqual([
      ['1700-0', 'execution.created', 'queued'],
      ['1700-1', 'execution.updated', 'success'],
    ])
    expect(sub.lastEventId()).toBe('1700-1')
    sub.close()
    expect(source.closed).toBe(true)
  })

  it('reconnects after an error with a fresh token and the last event id', async () => {
    const states: string[] = []
    const sub = subscribeEvents({
      onEvent: () => {},
      onStateChange: (s) => states.push(s),
      EventSourceImpl: FakeEventSource as unknown as typeof EventSource,
      backoff: { min: 1, max: 4 },
    })
    const first = await opened(1)
    first.onopen?.()
    first.emit('step.updated', '42-0', { log_id: 1, workflow_id: 1, node_id: 'a', type: 'transform', status: 'running', attempts: 1 })
    first.onerror?.()
    expect(first.closed).toBe(true) // the browser must not retry with the expiring token
    const second = await opened(2)
    expect(second.params().get('token')).toBe('stream-2')
    expect(second.params().get('last_event_id')).toBe('42-0')
    expect(states).toContain('reconnecting')
    sub.close()
  })

  it('calls onReset on events.reset and resumes from the id it carries', async () => {
    const onReset = vi.fn()
    const sub = subscribeEvents({
      lastEventId: '1-0',
      onEvent: () => {},
      onReset,
      EventSourceImpl: FakeEventSource as unknown as typeof EventSource,
      backoff: { min: 1, max: 4 },
    })
    const first = await opened(1)
    expect(first.params().get('last_event_id')).toBe('1-0')
    first.emit('events.reset', '99-0', { last_event_id: '1-0', reason: 'too old' })
    expect(onReset).toHaveBeenCalledTimes(1)
    first.onerror?.()
    const second = await opened(2)
    expect(second.params().get('last_event_id')).toBe('99-0')
    sub.close()
  })

  it('stops reconnecting once closed', async () => {
    const sub = subscribeEvents({ onEvent: () => {}, EventSourceImpl: FakeEventSource as unknown as typeof EventSource, backoff: { min: 1, max: 1 } })
    const first = await opened(1)
    sub.close()
    first.onerror?.()
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(FakeEventSource.instances).toHaveLength(1)
  })
})
