/** "Run now": a JSON payload editor, POST /api/workflows/{id}/run, and a link to the new run. */
import { Button, CloseButton, Dialog, Field, Link as ChakraLink, Portal, Text, Textarea } from '@chakra-ui/react'
import { useState } from 'react'
import { Link } from 'react-router'

import { ApiError } from '../../../api/client'
import { useRunWorkflow } from '../mutations'
import { parsePayload, samplePayload } from '../lib/payload'

interface RunNowDialogProps {
  workflowId: number
  triggerType: string | undefined
  /** Unsaved edits exist: the run uses the saved definition, say so. */
  dirty: boolean
}

/** The "Run now" button and its dialog. */
export function RunNowDialog({ workflowId, triggerType, dirty }: RunNowDialogProps) {
  const [open, setOpen] = useState(false)
  const [text, setText] = useState(() => JSON.stringify(samplePayload(triggerType), null, 2))
  const run = useRunWorkflow()
  const parsed = parsePayload(text)
  const start = () => {
    if (parsed.ok) run.mutate({ id: workflowId, payload: parsed.value })
  }
  return (
    <Dialog.Root open={open} onOpenChange={(details) => { setOpen(details.open); if (!details.open) run.reset() }} size="md">
      <Dialog.Trigger asChild>
        <Button size="sm" colorPalette="green" variant="outline">Run now</Button>
      </Dialog.Trigger>
      <Portal>
        <Dialog.Backdrop />
        <Dialog.Positioner>
          <Dialog.Content>
            <Dialog.Header>
              <Dialog.Title>Run now</Dialog.Title>
            </Dialog.Header>
            <Dialog.Body>
              {dirty && <Text fontSize="sm" color="fg.warning" mb="2">The run uses the saved version: save first to run your latest edits.</Text>}
              <Field.Root invalid={!parsed.ok}>
                <Field.Label>Payload (JSON): what the trigger outputs</Field.Label>
                <Textarea value={text} onChange={(e) => setText(e.target.value)} rows={10} fontFamily="mono" fontSize="sm" spellCheck={false} />
                {!parsed.ok && <Field.ErrorText>{parsed.message}</Field.ErrorText>}
              </Field.Root>
              {run.isError && (
                <Text color="fg.error" fontSize="sm" mt="2" role="alert">
                  {run.error instanceof ApiError ? run.error.message : 'The run could not be started.'}
                </Text>
              )}
              {run.data && (
                <Text fontSize="sm" mt="3" role="status" data-testid="run-started">
                  Run #{run.data.id} started ({run.data.status}).{' '}
                  <ChakraLink asChild color="brand.fg" fontWeight="medium"><Link to={`/logs/${run.data.id}`} onClick={() => setOpen(false)}>Open the run</Link></ChakraLink>
                </Text>
              )}
            </Dialog.Body>
            <Dialog.Footer>
              <Dialog.ActionTrigger asChild>
                <Button variant="outline" size="sm">Close</Button>
              </Dialog.ActionTrigger>
              <Button size="sm" colorPalette="green" onClick={start} disabled={!parsed.ok} loading={run.isPending}>Run</Button>
            </Dialog.Footer>
            <Dialog.CloseTrigger asChild>
              <CloseButton size="sm" aria-label="Close" />
            </Dialog.CloseTrigger>
          </Dialog.Content>
        </Dialog.Positioner>
      </Portal>
    </Dialog.Root>
  )
}
