/** On a node that follows a webhook: its params evaluated against the trigger's sample data. */
import { Box, Code, Heading, Stack, Text } from '@chakra-ui/react'
import { useEffect, useState } from 'react'

import { previewLines } from '../lib/testEvents'
import { useNodePreview, useTriggerSample } from '../queries'

interface SamplePreviewProps {
  workflowId: number
  nodeId: string
  /** The params as edited now (unsaved edits are previewed too). */
  params: Record<string, unknown>
  /** The node is in the saved workflow (the server previews saved nodes only). */
  saved: boolean
}

/** `value`, once it has stopped changing for `ms` (no request per keystroke). */
function useSettled<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value)
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms)
    return () => clearTimeout(timer)
  }, [value, ms])
  return settled
}

/** The preview section of a node's panel. */
export function SamplePreview({ workflowId, nodeId, params, saved }: SamplePreviewProps) {
  const sample = useTriggerSample(workflowId)
  const capturedAt = saved ? sample.data?.captured_at ?? null : null
  const settled = useSettled(params, 300)
  const preview = useNodePreview(workflowId, nodeId, settled, capturedAt)
  const lines = preview.data ? previewLines(preview.data.params, preview.data.errors) : []

  let body
  if (!saved) body = <Text fontSize="sm" color="fg.muted">Save the workflow to preview this node.</Text>
  else if (sample.data && sample.data.captured_at === null) {
    body = <Text fontSize="sm" color="fg.muted">No sample yet: on the webhook, listen for a test event and send one.</Text>
  } else if (preview.error) body = <Text fontSize="sm" color="fg.error" role="alert">{preview.error.message}</Text>
  else if (preview.data) {
    body = (
      <Stack gap="1" as="ul" listStyleType="none" data-testid="preview">
        {!preview.data.input_known && <Text as="li" fontSize="xs" color="fg.muted">input is unknown here (nodes in between decide it); trigger and nodes are the sample.</Text>}
        {lines.length === 0 && <Text as="li" fontSize="sm" color="fg.muted">No params to evaluate.</Text>}
        {lines.map((line) => (
          <Box as="li" key={line.path} fontSize="xs" data-testid="preview-line">
            <Code fontSize="xs">{line.path}</Code>{' '}
            {line.error ? <Text as="span" color="fg.error">{line.error}</Text> : <Text as="span" fontFamily="mono">{line.value}</Text>}
          </Box>
        ))}
      </Stack>
    )
  } else body = <Text fontSize="sm" color="fg.muted">Evaluating…</Text>

  return (
    <Box as="section" aria-labelledby={`preview-${nodeId}-title`}>
      <Heading as="h3" size="xs" mb="2" id={`preview-${nodeId}-title`}>Preview with the sample data</Heading>
      {body}
    </Box>
  )
}
