/**
 * The virtualised list of runs: only the rows in view (and a few around) are in the DOM,
 * so 100,000 loaded runs scroll like 100. Scrolling near the end loads the next cursor
 * page; a "Load more" button does the same for keyboards and when scrolling cannot.
 */
import { Box, Button, Flex, Spinner, Text } from '@chakra-ui/react'
import { useVirtualizer } from '@tanstack/react-virtual'
import { memo, useEffect, useRef } from 'react'
import { Link as RouterLink } from 'react-router'

import { formatDateTime } from '../lib/format'
import { formatDuration } from '../lib/timeline'
import type { ExecutionSummary } from '../types'
import './ExecutionList.css'

/** Height of a row in pixels (fixed: the virtualiser needs no measuring). */
export const ROW_HEIGHT = 44
/** Start loading the next page this many rows before the end. */
const PREFETCH_ROWS = 20

export interface ExecutionListProps {
  runs: ExecutionSummary[]
  hasMore: boolean
  loadingMore: boolean
  onLoadMore: () => void
  /** Workflow names by id: shown in a column when given (all runs). */
  workflowNames?: Map<number, string>
}

/**
 * One run. Plain elements styled by ExecutionList.css, not styled components: a burst of
 * live updates re-renders only the rows whose run changed (memo), and each costs no style
 * computation.
 */
const Row = memo(function Row({ run, workflowName }: { run: ExecutionSummary; workflowName?: string | null }) {
  return (
    <RouterLink to={`/logs/${run.id}`} className={`run-row${workflowName !== undefined ? ' run-row--workflow' : ''}`}
      data-testid="log-row" data-log-id={run.id} data-status={run.status}>
      <span className="run-badge">{run.status}</span>
      <span className="run-id">#{run.id}{run.retry_of ? ` ↻${run.retry_of}` : ''}</span>
      {workflowName !== undefined ? <span className="run-wide run-truncate">{workflowName ?? `Workflow ${run.workflow_id}`}</span> : null}
      <span className="run-wide run-muted">{run.trigger}</span>
      <span className="run-wide run-truncate">{formatDateTime(run.started_at)}</span>
      <span className="run-duration">{formatDuration(run.duration_ms)}</span>
    </RouterLink>
  )
})

/** The runs, newest first, virtualised, loading the next page near the end. */
export function ExecutionList({ runs, hasMore, loadingMore, onLoadMore, workflowNames }: ExecutionListProps) {
  const scrollRef = useRef<HTMLDivElement>(null)
  // The compiler cannot memoise around the virtualiser's functions; this component does not rely on it.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: runs.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    // Keyed by run id: a run arriving on top does not re-render the rows below it.
    getItemKey: (index) => runs[index]?.id ?? index,
  })
  const items = virtualizer.getVirtualItems()
  const lastIndex = items.at(-1)?.index ?? -1

  useEffect(() => {
    if (hasMore && !loadingMore && lastIndex >= runs.length - PREFETCH_ROWS) onLoadMore()
  }, [hasMore, loadingMore, lastIndex, runs.length, onLoadMore])

  const withWorkflow = workflowNames !== undefined
  return (
    <Box borderWidth="1px" borderRadius="md" overflow="hidden">
      <div className={`run-header${withWorkflow ? ' run-row--workflow' : ''}`} aria-hidden>
        <span>Status</span><span>Run</span>{withWorkflow ? <span className="run-wide">Workflow</span> : null}
        <span className="run-wide">Trigger</span><span className="run-wide">Started</span><span className="run-duration">Duration</span>
      </div>
      <Box ref={scrollRef} h={{ base: '60vh', md: 'calc(100vh - 22rem)' }} minH="20rem" overflowY="auto"
        data-testid="log-list" tabIndex={-1}>
        <Box role="list" aria-label="Runs" position="relative" h={`${virtualizer.getTotalSize()}px`}>
          {items.map((item) => {
            const run = runs[item.index]
            if (!run) return null
            return (
              <div key={item.key} role="listitem" className="run-item"
                style={{ height: ROW_HEIGHT, transform: `translateY(${item.start}px)` }}>
                <Row run={run} workflowName={withWorkflow ? workflowNames.get(run.workflow_id) ?? null : undefined} />
              </div>
            )
          })}
        </Box>
        <Flex justify="center" py="3">
          {hasMore ? (
            <Button size="sm" variant="outline" onClick={onLoadMore} loading={loadingMore} loadingText="Loading">
              Load more
            </Button>
          ) : runs.length ? <Text fontSize="sm" color="fg.muted">{runs.length.toLocaleString()} runs, all loaded</Text> : null}
          {loadingMore && !hasMore ? <Spinner size="sm" /> : null}
        </Flex>
      </Box>
    </Box>
  )
}
