/** Re-run a finished run: its original definition or the latest, optionally with an edited payload. */
import { Button, Checkbox, Field, Flex, RadioGroup, Stack, Text, Textarea } from '@chakra-ui/react'
import { useState } from 'react'
import { useNavigate } from 'react-router'

import { ApiError } from '../../../api/client'
import { useRetryExecution } from '../mutations'
import type { ExecutionDetail } from '../types'

/** Re-run controls; on success the app goes to the new run. */
export function RerunPanel({ run }: { run: ExecutionDetail }) {
  const navigate = useNavigate()
  const retry = useRetryExecution(run.id)
  const [mode, setMode] = useState<'original' | 'latest'>('original')
  const [editing, setEditing] = useState(false)
  const [text, setText] = useState('')
  const [parseError, setParseError] = useState<string | null>(null)
  const finished = run.status === 'success' || run.status === 'failed'

  const submit = () => {
    let payload: unknown
    if (editing) {
      try {
        payload = JSON.parse(text)
      } catch (error) {
        setParseError(`Not valid JSON: ${(error as Error).message}`)
        return
      }
    }
    setParseError(null)
    retry.mutate(editing ? { mode, payload } : { mode }, {
      onSuccess: (created) => navigate(`/logs/${created.id}`),
    })
  }

  return (
    <Stack gap="3" as="section" aria-labelledby="rerun-heading">
      <Text as="h2" id="rerun-heading" fontWeight="semibold">Re-run</Text>
      <RadioGroup.Root value={mode} onValueChange={(e) => setMode(e.value as 'original' | 'latest')} size="sm">
        <Flex gap="4" wrap="wrap">
          <RadioGroup.Item value="original">
            <RadioGroup.ItemHiddenInput />
            <RadioGroup.ItemIndicator />
            <RadioGroup.ItemText>Definition it ran (v{run.workflow_version})</RadioGroup.ItemText>
          </RadioGroup.Item>
          <RadioGroup.Item value="latest">
            <RadioGroup.ItemHiddenInput />
            <RadioGroup.ItemIndicator />
            <RadioGroup.ItemText>Latest definition</RadioGroup.ItemText>
          </RadioGroup.Item>
        </Flex>
      </RadioGroup.Root>
      <Checkbox.Root size="sm" checked={editing} onCheckedChange={(e) => {
        const on = Boolean(e.checked)
        setEditing(on)
        if (on && !text) setText(JSON.stringify(run.payload ?? null, null, 2))
      }}>
        <Checkbox.HiddenInput />
        <Checkbox.Control />
        <Checkbox.Label>Edit the payload</Checkbox.Label>
      </Checkbox.Root>
      {editing ? (
        <Field.Root invalid={parseError !== null}>
          <Field.Label>Payload (JSON)</Field.Label>
          <Textarea value={text} onChange={(e) => setText(e.target.value)} fontFamily="mono" fontSize="sm" rows={8}
            autoresize maxH="20rem" />
          {parseError ? <Field.ErrorText>{parseError}</Field.ErrorText> : null}
        </Field.Root>
      ) : null}
      {retry.isError ? (
        <Text color="fg.error" role="alert">
          {retry.error instanceof ApiError ? retry.error.message : 'The run could not be started.'}
        </Text>
      ) : null}
      <Flex>
        <Button onClick={submit} loading={retry.isPending} disabled={!finished} colorPalette="blue">
          Re-run
        </Button>
        {!finished ? <Text ms="3" fontSize="sm" color="fg.muted" alignSelf="center">Available once the run has finished.</Text> : null}
      </Flex>
    </Stack>
  )
}
