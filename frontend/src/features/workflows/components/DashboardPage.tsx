/** `/`: a card per workflow and the executions chart, both live; an empty state for new users. */
import { Alert, Badge, Box, Button, EmptyState, Flex, Heading, SimpleGrid, Skeleton, Stack, Text, VStack } from '@chakra-ui/react'
import { useState } from 'react'
import { Link } from 'react-router'

import { useBreadcrumbs } from '../../../components/Breadcrumbs'
import { useNow } from '../../../lib/useNow'
import { useDashboardLive } from '../live'
import { useWorkflows, useWorkflowStats } from '../queries'
import type { Bucket } from '../types'
import { ExecutionsChart } from './ExecutionsChart'
import { WorkflowCard } from './WorkflowCard'

function LiveIndicator({ state }: { state: string }) {
  const live = state === 'open'
  return (
    <Badge colorPalette={live ? 'green' : 'gray'} variant="subtle" aria-live="polite" data-testid="live-state" data-state={state}>
      {live ? 'Live' : state === 'reconnecting' ? 'Reconnecting…' : 'Connecting…'}
    </Badge>
  )
}

export default function DashboardPage() {
  useBreadcrumbs([{ label: 'Dashboard' }])
  const [bucket, setBucket] = useState<Bucket>('hour')
  const workflows = useWorkflows()
  const stats = useWorkflowStats()
  const live = useDashboardLive()
  const now = useNow()
  const byId = new Map((stats.data ?? []).map((s) => [s.workflow_id, s]))
  const items = workflows.data?.items ?? []

  return (
    <Stack gap="6">
      <Flex justify="space-between" align="center" wrap="wrap" gap="3">
        <Flex align="center" gap="3">
          <Heading as="h1" size="2xl">Dashboard</Heading>
          <LiveIndicator state={live} />
        </Flex>
        <Button asChild colorPalette="teal"><Link to="/workflows/new">New workflow</Link></Button>
      </Flex>

      {workflows.isError && (
        <Alert.Root status="error">
          <Alert.Indicator />
          <Alert.Title>Your workflows could not be loaded.</Alert.Title>
          <Button size="xs" variant="outline" ml="auto" onClick={() => void workflows.refetch()}>Retry</Button>
        </Alert.Root>
      )}

      {workflows.isPending ? (
        <SimpleGrid columns={{ base: 1, md: 2, xl: 3 }} gap="4">
          {[0, 1, 2].map((i) => <Skeleton key={i} height="200px" borderRadius="lg" />)}
        </SimpleGrid>
      ) : items.length === 0 && !workflows.isError ? (
        <Box bg="bg" borderWidth="1px" borderRadius="lg">
          <EmptyState.Root>
            <EmptyState.Content>
              <VStack textAlign="center">
                <EmptyState.Title as="h2">No workflows yet</EmptyState.Title>
                <EmptyState.Description>
                  Build your first one: a trigger, then the steps to run each time it fires.
                </EmptyState.Description>
              </VStack>
              <Button asChild colorPalette="teal"><Link to="/workflows/new">Create your first workflow</Link></Button>
            </EmptyState.Content>
          </EmptyState.Root>
        </Box>
      ) : (
        <Box as="section" aria-label="Workflows">
          <SimpleGrid columns={{ base: 1, md: 2, xl: 3 }} gap="4">
            {items.map((wf) => <WorkflowCard key={wf.id} workflow={wf} stats={byId.get(wf.id)} now={now} />)}
          </SimpleGrid>
          {workflows.data && workflows.data.total > items.length && (
            <Text mt="3" fontSize="sm" color="fg.muted">Showing the {items.length} newest of {workflows.data.total} workflows.</Text>
          )}
        </Box>
      )}

      <ExecutionsChart bucket={bucket} onBucketChange={setBucket} />
    </Stack>
  )
}
