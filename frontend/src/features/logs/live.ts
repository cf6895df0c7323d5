/** Live logs: the one SSE client feeding the query cache, one batch per animation frame. */
import { useQueryClient } from '@tanstack/react-query'
import { useMemo } from 'react'

import type { ConnectionState, EventsFilter, LiveEvent } from '../../api/events'
import { useLiveEvents } from '../../api/useLiveEvents'
import { logsKeys } from './keys'
import { applyLiveEvents, createFrameBatcher } from './lib/livePatch'

/** Follow runs (all, one workflow's or one run's) and keep every logs query current. */
export function useLiveLogs(filter: EventsFilter): ConnectionState {
  const client = useQueryClient()
  const batcher = useMemo(() => createFrameBatcher<LiveEvent>((batch) => applyLiveEvents(client, batch)), [client])
  return useLiveEvents(filter, {
    onEvent: batcher.push,
    // Events were lost: what is on screen may be stale, so fetch it again (once).
    onReset: () => void client.invalidateQueries({ queryKey: logsKeys.all }),
  })
}
