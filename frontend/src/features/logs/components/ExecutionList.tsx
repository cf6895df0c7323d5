/**
 * The virtualised list of runs: only the rows in view (and a few around) are in the DOM,
 * so 100,000 loaded runs scroll like 100. Scrolling near the end loads the next cursor
 * page; a "Load more" button does the same for keyboards and when scrolling cannot.
 */
import { Box, Button, Flex, Grid, Link, Spinner, Text } from '@chakra-ui/react'
import { useVirtualizer } from '@tanstack/react-virtual'
import { useEffect, useRef } from 'react'
import { Link as RouterLink } from 'react-router'

import { formatDuration } from '../lib/timeline'
import { formatDateTime } from '../lib/format'
import type { ExecutionSummary } from '../types'
import { StatusBadge, paletteOf } from './StatusBadge'

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

const COLUMNS = (withWorkflow: boolean) => ({
  base: '7rem 1fr auto',
  md: withWorkflow ? '7rem 6rem minmax(8rem, 1fr) 6rem 1.3fr 6rem' : '7rem 6rem 6rem 1.5fr 6rem',
})

function Row({ run, workflowName }: { run: ExecutionSummary; workflowName?: string | null }) {
  const withWorkflow = workflowName !== undefined
  return (
    <Link asChild variant="plain" display="grid" h="full" px="3" alignItems="center" gap="3"
      gridTemplateColumns={COLUMNS(withWorkflow)} borderLeftWidth="4px"
      borderLeftColor={`${paletteOf(run.status)}.solid`} borderBottomWidth="1px" borderBottomColor="border.muted"
      _hover={{ bg: 'bg.muted', textDecoration: 'none' }} transition="border-color 0.2s"
      data-testid="log-row" data-log-id={run.id} data-status={run.status}>
      <RouterLink to={`/logs/${run.id}`}>
        <StatusBadge status={run.status} />
        <Text fontFamily="mono" fontSize="sm">#{run.id}{run.retry_of ? ` ↻${run.retry_of}` : ''}</Text>
        {withWorkflow ? <Text fontSize="sm" truncate hideBelow="md">{workflowName ?? `Workflow ${run.workflow_id}`}</Text> : null}
        <Text fontSize="sm" color="fg.muted" hideBelow="md">{run.trigger}</Text>
        <Text fontSize="sm" hideBelow="md" truncate>{formatDateTime(run.started_at)}</Text>
        <Text fontSize="sm" textAlign="end" fontVariantNumeric="tabular-nums">{formatDuration(run.duration_ms)}</Text>
      </RouterLink>
    </Link>
  )
}

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
      <Grid hideBelow="md" px="3" py="2" gap="3" gridTemplateColumns={COLUMNS(withWorkflow)} bg="bg.subtle"
        fontSize="xs" fontWeight="semibold" color="fg.muted" textTransform="uppercase" borderLeftWidth="4px"
        borderLeftColor="transparent" aria-hidden>
        <span>Status</span><span>Run</span>{withWorkflow ? <span>Workflow</span> : null}<span>Trigger</span>
        <span>Started</span><span style={{ textAlign: 'end' }}>Duration</span>
      </Grid>
      <Box ref={scrollRef} h={{ base: '60vh', md: 'calc(100vh - 22rem)' }} minH="20rem" overflowY="auto"
        data-testid="log-list" tabIndex={-1}>
        <Box role="list" aria-label="Runs" position="relative" h={`${virtualizer.getTotalSize()}px`}>
          {items.map((item) => {
            const run = runs[item.index]
            if (!run) return null
            return (
              <Box key={item.key} role="listitem" position="absolute" top="0" left="0" w="full" h={`${ROW_HEIGHT}px`}
                style={{ transform: `translateY(${item.start}px)` }}>
                <Row run={run} workflowName={withWorkflow ? workflowNames.get(run.workflow_id) ?? null : undefined} />
              </Box>
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
