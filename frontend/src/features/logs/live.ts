/**
 * Live logs: the one SSE client (src/api/events.ts) feeding the query cache, one batch per
 * animation frame.
 *
 * No gap between what was fetched and what streams: a stream that opens fresh refetches
 * what the screen shows once the server says it is live (`events.ready`), and a screen
 * that follows another (list -> run -> re-run) resumes from the last event the previous
 * stream saw, so the server replays whatever happened in between.
 */
import { useQueryClient } from '@tanstack/react-query'
import { useEffect, useState } from 'react'

import { type ConnectionState, type EventsFilter, type LiveEvent, subscribeEvents } from '../../api/events'
import { logsKeys } from './keys'
import { applyLiveEvents, createFrameBatcher } from './lib/livePatch'

// The resume point handed from one logs stream to the next (ids are positions in the user's log).
let resumeFrom: string | undefined

/** Counts are patched live; once a burst of runs is over they are read again, once, so a
 * patch that raced a refetch cannot leave them off for good. */
export const COUNTS_SETTLE_MS = 2000

/** At most this often a batch of events re-renders the screen (10 per second). */
export const BATCH_INTERVAL_MS = 100

/** Follow runs (all, one workflow's or one run's) and keep every logs query current.
 * Returns the connection state; 'open' only once the server's replay is done. */
export function useLiveLogs(filter: EventsFilter): ConnectionState {
  const client = useQueryClient()
  const [state, setState] = useState<ConnectionState>('connecting')
  const { workflowId, logId } = filter
  useEffect(() => {
    let settle: ReturnType<typeof setTimeout> | undefined
    const batcher = createFrameBatcher<LiveEvent>((batch) => {
      applyLiveEvents(client, batch)
      if (batch.some((event) => event.type !== 'step.updated')) {
        clearTimeout(settle)
        settle = setTimeout(() => void client.invalidateQueries({ queryKey: logsKeys.countsAll() }), COUNTS_SETTLE_MS)
      }
    }, { minIntervalMs: BATCH_INTERVAL_MS })
    const resumed = resumeFrom !== undefined
    let ready = false
    const subscription = subscribeEvents({
      workflowId,
      logId,
      lastEventId: resumeFrom,
      onEvent: (event) => batcher.push(event),
      onReady: () => {
        if (!ready && !resumed) {
          // What was fetched before the stream went live may have moved meanwhile.
          const keys = logId ? [logsKeys.detail(logId)] : [logsKeys.lists(), logsKeys.countsAll()]
          for (const queryKey of keys) void client.invalidateQueries({ queryKey })
        }
        ready = true
        setState('open')
      },
      // Events were lost: what is on screen may be stale, so fetch it again (once).
      onReset: () => void client.invalidateQueries({ queryKey: logsKeys.all }),
      // 'open' waits for events.ready: before it, the server may not be following yet.
      onStateChange: (next) => {
        if (next !== 'open') setState(next)
      },
    })
    return () => {
      resumeFrom = subscription.lastEventId() ?? resumeFrom
      batcher.flush()
      clearTimeout(settle)
      subscription.close()
    }
  }, [client, workflowId, logId])
  return state
}
