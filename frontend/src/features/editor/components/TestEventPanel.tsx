/**
 * "Listen for test event" on a webhook trigger's panel: arms the test URL, shows it with a
 * countdown, and shows the captured sample as soon as `workflow.test_event` arrives live.
 */
import { Box, Button, Clipboard, Code, Flex, Heading, Input, Stack, Text } from '@chakra-ui/react'
import { useEffect } from 'react'

import { useLiveEvents } from '../../../api/useLiveEvents'
import { formatDateTime } from '../../../lib/time'
import { useNow } from '../../../lib/useNow'
import { formatCountdown, secondsLeft } from '../lib/testEvents'
import { useTestListening } from '../mutations'
import { useTriggerSample } from '../queries'

interface TestEventPanelProps {
  workflowId: number
  /** The workflow's webhook URL; its test URL is this plus `/test`. */
  webhookUrl: string
}

/** The test URL, its countdown while armed, and the trigger's sample data. */
export function TestEventPanel({ workflowId, webhookUrl }: TestEventPanelProps) {
  const { data: sample, refetch } = useTriggerSample(workflowId)
  const { listen, stop } = useTestListening(workflowId)
  const until = sample?.listening_until ?? null
  const now = useNow(1000, until !== null)
  const left = secondsLeft(until, now)
  const listening = left > 0
  const stream = useLiveEvents({ workflowId }, { onEvent: () => {}, onTestEvent: () => void refetch() }, listening)
  // A capture made before the stream opened, or the deadline passing, is read from the server.
  useEffect(() => {
    if (listening && stream === 'open') void refetch()
  }, [listening, stream, refetch])
  useEffect(() => {
    if (until !== null && !listening) void refetch()
  }, [until, listening, refetch])
  const testUrl = `${webhookUrl}/test`
  const captured = sample?.captured_at ?? null
  const error = listen.error ?? stop.error

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
      {error && <Text fontSize="xs" color="fg.error" role="alert">{error.message}</Text>}
      {captured !== null && (
        <Box mt="3">
          <Text fontSize="sm" fontWeight="medium" id="sample-title">
            Sample data, captured {formatDateTime(captured)}
          </Text>
          <Code as="pre" display="block" whiteSpace="pre-wrap" wordBreak="break-all" p="2" fontSize="xs" maxH="60"
            overflowY="auto" tabIndex={0} aria-labelledby="sample-title" data-testid="trigger-sample">
            {JSON.stringify(sample?.sample, null, 2)}
          </Code>
        </Box>
      )}
    </Box>
  )
}
