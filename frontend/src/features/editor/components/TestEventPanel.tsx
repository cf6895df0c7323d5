/**
 * "Listen for test event" on a webhook trigger's panel: arms the test URL, shows it with a
 * countdown, and shows the captured sample as soon as `workflow.test_event` arrives live.
 */
import { Box, Button, Clipboard, Code, Flex, Heading, Input, Stack, Text } from '@chakra-ui/react'
import { useQueryClient } from '@tanstack/react-query'
import { useEffect, useState } from 'react'

import { useLiveEvents } from '../../../api/useLiveEvents'
import { editorKeys } from '../keys'
import { formatCountdown, secondsLeft } from '../lib/testEvents'
import { useTestListening } from '../mutations'
import { useTriggerSample } from '../queries'

interface TestEventPanelProps {
  workflowId: number
  /** The workflow's webhook URL; its test URL is this plus `/test`. */
  webhookUrl: string
}

/** The current time, ticking every second while `running` (from the moment it starts). */
function useNow(running: boolean): number {
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    if (!running) return
    const tick = () => setNow(Date.now())
    const first = setTimeout(tick, 0)
    const timer = setInterval(tick, 1000)
    return () => {
      clearTimeout(first)
      clearInterval(timer)
    }
  }, [running])
  return now
}

/** The test URL, its countdown while armed, and the trigger's sample data. */
export function TestEventPanel({ workflowId, webhookUrl }: TestEventPanelProps) {
  const queryClient = useQueryClient()
  const sample = useTriggerSample(workflowId)
  const { listen, stop } = useTestListening(workflowId)
  const until = sample.data?.listening_until ?? null
  const now = useNow(until !== null)
  const left = secondsLeft(until, now)
  const listening = left > 0
  const refetch = () => void queryClient.invalidateQueries({ queryKey: editorKeys.sample(workflowId) })
  const stream = useLiveEvents({ workflowId }, { onEvent: () => {}, onTestEvent: refetch }, listening)
  // A capture made before the stream opened, or the deadline passing, is read from the server.
  useEffect(() => {
    if (listening && stream === 'open') refetch()
  }, [listening, stream]) // eslint-disable-line react-hooks/exhaustive-deps
  useEffect(() => {
    if (until !== null && !listening) refetch()
  }, [until, listening]) // eslint-disable-line react-hooks/exhaustive-deps
  const testUrl = `${webhookUrl}/test`
  const captured = sample.data?.captured_at ?? null

  return (
    <Box as="section" aria-labelledby="test-event-title" borderWidth="1px" borderRadius="l2" p="3" data-testid="test-event">
      <Heading as="h3" size="xs" id="test-event-title" mb="2">Test event</Heading>
      {listening ? (
        <Stack gap="2">
          <Text fontSize="sm" role="status" data-testid="listening">
            Listening for {formatCountdown(left)}{stream === 'open' ? '' : ' (connecting…)'}: send one request to the test URL.
            It is checked like a real one and kept as sample data, but does not run the workflow.
          </Text>
          <Flex gap="2">
            <Input size="sm" readOnly value={testUrl} fontFamily="mono" aria-label="Test URL" data-testid="test-url"
              data-live={stream === 'open' ? 'true' : 'false'} onFocus={(e) => e.target.select()} />
            <Clipboard.Root value={testUrl}>
              <Clipboard.Trigger asChild>
                <Button size="sm" variant="outline" aria-label="Copy the test URL">
                  <Clipboard.Indicator copied="Copied">Copy</Clipboard.Indicator>
                </Button>
              </Clipboard.Trigger>
            </Clipboard.Root>
          </Flex>
          <Button size="sm" variant="ghost" alignSelf="flex-start" onClick={() => stop.mutate()} loading={stop.isPending}>
            Stop listening
          </Button>
        </Stack>
      ) : (
        <Button size="sm" variant="outline" onClick={() => listen.mutate()} loading={listen.isPending}>
          Listen for test event
        </Button>
      )}
      {(listen.error ?? stop.error) && <Text fontSize="xs" color="fg.error" role="alert">{(listen.error ?? stop.error)?.message}</Text>}
      {captured !== null && (
        <Box mt="3">
          <Text fontSize="sm" fontWeight="medium" id="sample-title">
            Sample data, captured {new Date(captured).toLocaleString()}
          </Text>
          <Code as="pre" display="block" whiteSpace="pre-wrap" wordBreak="break-all" p="2" fontSize="xs" maxH="60"
            overflowY="auto" tabIndex={0} aria-labelledby="sample-title" data-testid="trigger-sample">
            {JSON.stringify(sample.data?.sample, null, 2)}
          </Code>
        </Box>
      )}
    </Box>
  )
}
