/**
 * The dashboard, live: execution events move the cards at once (the card's last run is
 * the event's run) and refetch the exact numbers — at most once a second, however many
 * runs arrive. No polling: nothing is fetched unless an event says something changed.
 */
import { type QueryClient, useQueryClient } from '@tanstack/react-query'
import { useEffect, useMemo } from 'react'

import type { ExecutionEvent, LiveEvent } from '../../api/events'
import { useLiveEvents } from '../../api/useLiveEvents'
import { workflowKeys } from './keys'
import type { LastRun, WorkflowPage, WorkflowStats } from './types'

const REFRESH_EVERY_MS = 1000

/** Put the event's run on its workflow's card, if it is that card's newest run. */
export function applyExecutionEvent(stats: WorkflowStats[] | undefined, run: ExecutionEvent): WorkflowStats[] | undefined {
  if (!stats) return stats
  return stats.map((card) => {
    if (card.workflow_id !== run.workflow_id) return card
    const last = card.last_run
    const newer = !last || run.id >= last.id
    if (!newer) return card
    const lastRun: LastRun = {
      id: run.id,
      status: run.status as LastRun['status'],
      trigger: (run.trigger ?? last?.trigger ?? 'manual') as LastRun['trigger'],
      started_at: run.started_at ?? last?.started_at ?? new Date().toISOString(),
      finished_at: run.finished_at ?? null,
    }
    return { ...card, last_run: lastRun }
  })
}

/** A function that runs `fn` now, then at most once per `ms` (the last call is never lost). */
export function throttle(fn: () => void, ms: number): { call: () => void; cancel: () => void } {
  let last = 0
  let timer: ReturnType<typeof setTimeout> | undefined
  const run = () => {
    timer = undefined
    last = Date.now()
    fn()
  }
  return {
    call: () => {
      if (timer) return
      const wait = last + ms - Date.now()
      if (wait <= 0) run()
      else timer = setTimeout(run, wait)
    },
    cancel: () => clearTimeout(timer),
  }
}

function refreshNumbers(queryClient: QueryClient) {
  void queryClient.invalidateQueries({ queryKey: workflowKeys.stats() })
  void queryClient.invalidateQueries({ queryKey: workflowKeys.executionStatsAll })
}

/** Follow all of the caller's runs while the dashboard is open; returns the connection state. */
export function useDashboardLive() {
  const queryClient = useQueryClient()
  const refresh = useMemo(() => throttle(() => refreshNumbers(queryClient), REFRESH_EVERY_MS), [queryClient])
  useEffect(() => () => refresh.cancel(), [refresh])
  return useLiveEvents({}, {
    onEvent: (event: LiveEvent) => {
      if (event.type === 'step.updated') return
      const run = event.data
      const page = queryClient.getQueryData<WorkflowPage>(workflowKeys.list())
      if (page && !page.items.some((wf) => wf.id === run.workflow_id)) {
        void queryClient.invalidateQueries({ queryKey: workflowKeys.list() }) // made elsewhere meanwhile
      }
      queryClient.setQueryData<WorkflowStats[]>(workflowKeys.stats(), (stats) => applyExecutionEvent(stats, run))
      refresh.call()
    },
    onReset: () => {
      void queryClient.invalidateQueries({ queryKey: workflowKeys.all })
      refreshNumbers(queryClient)
    },
  })
}
