/** One workflow on the dashboard: name, trigger, active toggle, last run, success rate, actions. */
import { Badge, Box, Button, Card, Flex, HStack, Link as ChakraLink, Progress, Stack, Switch, Text, VisuallyHidden } from '@chakra-ui/react'
import { Link, useNavigate } from 'react-router'

import { ApiError } from '../../../api/client'
import { StatusBadge } from '../../../components/StatusBadge'
import { toaster } from '../../../components/toaster'
import { formatDateTime, timeAgo } from '../../../lib/time'
import { useRunWorkflow, useSetActive } from '../mutations'
import type { Workflow, WorkflowStats } from '../types'

interface WorkflowCardProps {
  workflow: Workflow
  stats?: WorkflowStats
  now: number
}

const TRIGGER_LABEL: Record<string, string> = { webhook: 'Webhook', manual: 'Manual', schedule: 'Schedule' }

function errorMessage(error: unknown): string {
  return error instanceof ApiError ? error.message : 'Something went wrong.'
}

export function WorkflowCard({ workflow, stats, now }: WorkflowCardProps) {
  const setActive = useSetActive()
  const run = useRunWorkflow()
  const navigate = useNavigate()
  const lastRun = stats?.last_run ?? null
  const rate = stats?.success_rate ?? null
  const headingId = `workflow-${workflow.id}-name`

  const startRun = () => run.mutate({ id: workflow.id, payload: {} }, {
    onSuccess: (summary) => toaster.create({
      type: 'success',
      title: `Run #${summary.id} started`,
      action: { label: 'Open', onClick: () => navigate(`/logs/${summary.id}`) },
    }),
    onError: (error) => toaster.create({ type: 'error', title: 'Could not start the run', description: errorMessage(error) }),
  })

  const toggle = (active: boolean) => setActive.mutate({ id: workflow.id, active }, {
    onError: (error) => toaster.create({ type: 'error', title: 'Could not change the workflow', description: errorMessage(error) }),
  })

  return (
    <Card.Root as="article" aria-labelledby={headingId} size="sm" data-testid="workflow-card" data-workflow-id={workflow.id}>
      <Card.Header>
        <Flex justify="space-between" align="start" gap="3">
          <Stack gap="1" minW="0">
            <Card.Title id={headingId} as="h2" truncate title={workflow.name}>{workflow.name}</Card.Title>
            <HStack gap="2">
              <Badge variant="outline" size="sm">{TRIGGER_LABEL[workflow.trigger_type] ?? workflow.trigger_type}</Badge>
              {!workflow.active && <Badge size="sm" colorPalette="orange">Paused</Badge>}
            </HStack>
          </Stack>
          <Switch.Root checked={workflow.active} onCheckedChange={(e) => toggle(e.checked)} size="sm" colorPalette="teal">
            <Switch.HiddenInput role="switch" />
            <Switch.Control />
            <Switch.Label fontSize="sm">Active<VisuallyHidden> {workflow.name}</VisuallyHidden></Switch.Label>
          </Switch.Root>
        </Flex>
      </Card.Header>
      <Card.Body>
        <Stack gap="3" fontSize="sm">
          <Flex justify="space-between" align="center" gap="2" data-testid="last-run">
            <Text color="fg.muted">Last run</Text>
            {lastRun ? (
              <HStack gap="2">
                <StatusBadge status={lastRun.status} />
                <ChakraLink asChild color="fg" textDecoration="underline">
                  <Link to={`/logs/${lastRun.id}`}>
                    <time dateTime={lastRun.started_at} title={formatDateTime(lastRun.started_at)}>{timeAgo(lastRun.started_at, now)}</time>
                  </Link>
                </ChakraLink>
              </HStack>
            ) : <Text>Never</Text>}
          </Flex>
          <Box data-testid="success-rate">
            <Flex justify="space-between" mb="1">
              <Text color="fg.muted">Success rate</Text>
              <Text fontWeight="medium">
                {rate === null ? '—' : `${Math.round(rate * 100)}%`}
                {stats && stats.recent.runs > 0 && <Text as="span" color="fg.muted" fontWeight="normal"> of last {stats.recent.runs}</Text>}
              </Text>
            </Flex>
            <Progress.Root value={rate === null ? 0 : Math.round(rate * 100)} size="xs" colorPalette={rate !== null && rate < 0.8 ? 'red' : 'green'}
              aria-label={`Success rate of ${workflow.name}`}>
              <Progress.Track><Progress.Range /></Progress.Track>
            </Progress.Root>
          </Box>
        </Stack>
      </Card.Body>
      <Card.Footer gap="2" flexWrap="wrap">
        <Button size="sm" colorPalette="teal" onClick={startRun} loading={run.isPending} aria-label={`Run ${workflow.name}`}>Run</Button>
        <Button size="sm" variant="outline" asChild><Link to={`/workflows/${workflow.id}`} aria-label={`Edit ${workflow.name}`}>Edit</Link></Button>
        <Button size="sm" variant="ghost" asChild><Link to={`/workflows/${workflow.id}/logs`} aria-label={`Logs of ${workflow.name}`}>Logs</Link></Button>
      </Card.Footer>
    </Card.Root>
  )
}
