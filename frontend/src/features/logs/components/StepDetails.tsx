/** Each step folded: status, attempts, duration; unfolded, its input, output and error. */
import { Box, Code, Flex, Heading, Stack, Text, chakra } from '@chakra-ui/react'
import { type SyntheticEvent, useState } from 'react'

import { formatDuration } from '../lib/timeline'
import type { StepLog } from '../types'
import { ErrorPanel } from './ErrorPanel'
import { JsonViewer } from './JsonViewer'
import { StatusBadge } from './StatusBadge'

const Details = chakra('details')

function Step({ step, defaultOpen }: { step: StepLog; defaultOpen: boolean }) {
  // Bodies render only once unfolded: a run of fifty 5 MB steps costs nothing until looked at.
  const [open, setOpen] = useState(defaultOpen)
  return (
    <Details borderWidth="1px" borderRadius="md" open={open} data-testid="step" data-node={step.node_id}
      onToggle={(e: SyntheticEvent<HTMLDetailsElement>) => setOpen(e.currentTarget.open)}>
      <Flex as="summary" cursor="pointer" px="3" py="2" gap="3" align="center" wrap="wrap">
        <StatusBadge status={step.status} />
        <Code>{step.node_id}</Code>
        <Text fontSize="sm" color="fg.muted">{step.type}</Text>
        <Text fontSize="sm" color="fg.muted" ms="auto">
          {formatDuration(step.duration_ms)}{step.attempts > 1 ? ` · ${step.attempts} attempts` : ''}
          {step.output_port && step.output_port !== 'main' ? ` · port ${step.output_port}` : ''}
        </Text>
      </Flex>
      {open ? (
        <Stack gap="3" px="3" pb="3">
          {step.error ? <ErrorPanel error={step.error} title="Step failed" /> : null}
          <Box>
            <Heading as="h4" size="xs" mb="1">Input</Heading>
            <JsonViewer value={step.input ?? null} label={`Input of ${step.node_id}`} />
          </Box>
          <Box data-testid="step-output">
            <Heading as="h4" size="xs" mb="1">Output</Heading>
            <JsonViewer value={step.output ?? null} label={`Output of ${step.node_id}`} />
          </Box>
        </Stack>
      ) : null}
    </Details>
  )
}

/** Every step of a run, folded (a failed step starts unfolded). */
export function StepDetails({ steps }: { steps: StepLog[] }) {
  return (
    <Stack gap="2">
      {steps.map((step) => <Step key={step.node_id} step={step} defaultOpen={step.status === 'failed'} />)}
    </Stack>
  )
}
