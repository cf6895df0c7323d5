/**
 * The runs list shared by a workflow's logs page, the editor's Logs tab and All runs:
 * filters in the URL, counts per status, a virtualised cursor-paged list, live over SSE.
 */
import { Alert, Badge, Box, Button, EmptyState, Flex, Spinner, Stack, VStack } from '@chakra-ui/react'
import { useCallback, useMemo } from 'react'

import { ExecutionList } from './components/ExecutionList'
import { LogFiltersBar } from './components/LogFiltersBar'
import { useLiveLogs } from './live'
import { useUrlFilters } from './lib/urlFilters'
import { useExecutionPages, useStatusCounts, useWorkflowNames } from './queries'

export interface ExecutionLogsProps {
  /** Only this workflow's runs (the workflow filter is then fixed). */
  workflowId?: number
  /** Offer the workflow filter and show each run's workflow (All runs). */
  showWorkflowFilter?: boolean
}

const LIVE_LABEL = { open: 'Live', connecting: 'Connecting…', reconnecting: 'Reconnecting…', closed: 'Offline' }

/** Filters, counts and the live, virtualised list of runs (of one workflow, or all). */
export function ExecutionLogs({ workflowId, showWorkflowFilter = false }: ExecutionLogsProps) {
  const [filters, setFilters] = useUrlFilters(workflowId)
  const pages = useExecutionPages(filters)
  const counts = useStatusCounts(filters, !pages.isPending)
  const live = useLiveLogs({ workflowId: filters.workflowId })
  const workflows = useWorkflowNames(showWorkflowFilter).data
  const runs = useMemo(() => pages.data?.pages.flatMap((page) => page.items) ?? [], [pages.data])
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = pages
  const loadMore = useCallback(() => {
    if (hasNextPage && !isFetchingNextPage) void fetchNextPage()
  }, [hasNextPage, isFetchingNextPage, fetchNextPage])
  const names = useMemo(() => (showWorkflowFilter ? new Map((workflows ?? []).map((wf) => [wf.id, wf.name])) : undefined),
    [showWorkflowFilter, workflows])
  const filtered = Boolean(filters.status || filters.trigger || filters.since || filters.until || filters.q
    || (showWorkflowFilter && filters.workflowId))

  return (
    <Stack gap="4">
      <Flex justify="space-between" align="flex-start" gap="4" direction={{ base: 'column-reverse', md: 'row' }}>
        <LogFiltersBar filters={filters} onChange={setFilters} counts={counts.data}
          workflows={showWorkflowFilter ? workflows ?? [] : undefined} />
        <Badge colorPalette={live === 'open' ? 'green' : 'gray'} variant="surface" data-testid="live-state"
          data-state={live} flexShrink={0}>
          {LIVE_LABEL[live]}
        </Badge>
      </Flex>
      {pages.isError ? (
        <Alert.Root status="error" role="alert">
          <Alert.Indicator />
          <Alert.Content>
            <Alert.Title>The runs could not be loaded</Alert.Title>
            <Alert.Description>{pages.error.message}</Alert.Description>
          </Alert.Content>
          <Button size="sm" variant="outline" onClick={() => void pages.refetch()}>Try again</Button>
        </Alert.Root>
      ) : pages.isPending ? (
        <Flex justify="center" py="10"><Spinner size="lg" aria-label="Loading runs" /></Flex>
      ) : runs.length === 0 ? (
        <EmptyState.Root borderWidth="1px" borderRadius="md">
          <EmptyState.Content>
            <VStack textAlign="center">
              <EmptyState.Title>{filtered ? 'No run matches these filters' : 'No runs yet'}</EmptyState.Title>
              <EmptyState.Description>
                {filtered ? 'Change or clear the filters to see more runs.'
                  : 'Runs appear here the moment a trigger fires: call the webhook, run it manually or wait for its schedule.'}
              </EmptyState.Description>
            </VStack>
            {filtered ? (
              <Button size="sm" variant="outline" onClick={() => setFilters({ status: undefined, trigger: undefined,
                since: undefined, until: undefined, q: undefined, ...(showWorkflowFilter ? { workflowId: undefined } : {}) })}>
                Clear filters
              </Button>
            ) : null}
          </EmptyState.Content>
        </EmptyState.Root>
      ) : (
        <Box>
          <ExecutionList runs={runs} hasMore={Boolean(hasNextPage)} loadingMore={isFetchingNextPage}
            onLoadMore={loadMore} workflowNames={names} />
        </Box>
      )}
    </Stack>
  )
}
