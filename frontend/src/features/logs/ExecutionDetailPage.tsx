/** `/logs/:id`: one run — summary, timeline, each step's input/output/error, re-run; live while it runs. */
import { Alert, Box, Card, DataList, Flex, Heading, Link, Spinner, Stack } from '@chakra-ui/react'
import { Link as RouterLink, useParams } from 'react-router'

import { useBreadcrumbs } from '../../components/Breadcrumbs'
import { ErrorPanel } from './components/ErrorPanel'
import { JsonViewer } from './components/JsonViewer'
import { RerunPanel } from './components/RerunPanel'
import { StatusBadge } from './components/StatusBadge'
import { StepDetails } from './components/StepDetails'
import { StepTimeline } from './components/StepTimeline'
import { useLiveLogs } from './live'
import { formatDateTime } from './lib/format'
import { formatDuration } from './lib/timeline'
import { useExecution, useWorkflowName } from './queries'

/** The page of one run (`/logs/:id`). */
export default function ExecutionDetailPage() {
  const id = Number(useParams().id)
  const execution = useExecution(id)
  const run = execution.data
  const running = run?.status === 'queued' || run?.status === 'running'
  useLiveLogs({ logId: Number.isInteger(id) && id > 0 ? id : undefined })
  const workflowName = useWorkflowName(run?.workflow_id).data?.name ?? `Workflow ${run?.workflow_id ?? ''}`
  useBreadcrumbs(run ? [
    { label: 'Dashboard', to: '/' },
    { label: workflowName, to: `/workflows/${run.workflow_id}` },
    { label: 'Logs', to: `/workflows/${run.workflow_id}/logs` },
    { label: `Run #${run.id}` },
  ] : [{ label: 'Dashboard', to: '/' }, { label: 'Run' }])

  if (execution.isPending) return <Flex justify="center" py="10"><Spinner size="lg" aria-label="Loading the run" /></Flex>
  if (execution.isError || !run) {
    return (
      <Alert.Root status="error" role="alert">
        <Alert.Indicator />
        <Alert.Content>
          <Alert.Title>{execution.error?.message ?? 'This run does not exist.'}</Alert.Title>
          <Alert.Description>
            <Link asChild><RouterLink to="/runs">See all your runs</RouterLink></Link>
          </Alert.Description>
        </Alert.Content>
      </Alert.Root>
    )
  }
  return (
    <Stack gap="6">
      <Flex align="center" gap="3" wrap="wrap">
        <Heading as="h1" size="2xl">Run #{run.id}</Heading>
        <Box data-testid="run-status" data-status={run.status}><StatusBadge status={run.status} size="md" /></Box>
      </Flex>
      <DataList.Root orientation="horizontal" size="sm" variant="subtle">
        {[
          ['Workflow', <Link asChild key="wf"><RouterLink to={`/workflows/${run.workflow_id}/logs`}>{workflowName}</RouterLink></Link>],
          ['Trigger', run.trigger],
          ['Workflow version', `v${run.workflow_version}`],
          ...(run.retry_of ? [['Re-run of', <Link asChild key="retry"><RouterLink to={`/logs/${run.retry_of}`}>Run #{run.retry_of}</RouterLink></Link>]] : []),
          ['Started', formatDateTime(run.started_at)],
          ['Finished', formatDateTime(run.finished_at)],
          ['Duration', formatDuration(run.duration_ms)],
        ].map(([label, value]) => (
          <DataList.Item key={String(label)}>
            <DataList.ItemLabel>{label}</DataList.ItemLabel>
            <DataList.ItemValue>{value}</DataList.ItemValue>
          </DataList.Item>
        ))}
      </DataList.Root>
      {run.error ? <ErrorPanel error={run.error} /> : null}
      <Card.Root>
        <Card.Body>
          <Heading as="h2" size="md" mb="3">Timeline</Heading>
          <StepTimeline startedAt={run.started_at} finishedAt={run.finished_at} steps={run.steps} running={running} />
        </Card.Body>
      </Card.Root>
      <Box as="section" aria-labelledby="steps-heading">
        <Heading as="h2" size="md" mb="3" id="steps-heading">Steps</Heading>
        <StepDetails steps={run.steps} />
      </Box>
      <Flex gap="4" direction={{ base: 'column', lg: 'row' }}>
        <Box flex="1" minW="0" as="section" aria-labelledby="payload-heading">
          <Heading as="h2" size="md" mb="2" id="payload-heading">Payload</Heading>
          <JsonViewer value={run.payload ?? null} label="Payload" />
        </Box>
        <Box flex="1" minW="0" as="section" aria-labelledby="result-heading">
          <Heading as="h2" size="md" mb="2" id="result-heading">Result</Heading>
          <JsonViewer value={run.result ?? null} label="Result" />
        </Box>
      </Flex>
      <Card.Root>
        <Card.Body><RerunPanel run={run} /></Card.Body>
      </Card.Root>
    </Stack>
  )
}
