/** The workflow's webhook URL with a copy button and a ready `curl` example. */
import { Box, Button, Clipboard, Code, Flex, Heading, Input, Text } from '@chakra-ui/react'

import { curlExample } from '../lib/curl'

interface WebhookCardProps {
  url: string
  /** The webhook node has a `secret`: the example signs the body. */
  signed: boolean
  active: boolean
}

function CopyButton({ value, label }: { value: string; label: string }) {
  return (
    <Clipboard.Root value={value}>
      <Clipboard.Trigger asChild>
        <Button size="sm" variant="outline" aria-label={label}>
          <Clipboard.Indicator copied="Copied">Copy</Clipboard.Indicator>
        </Button>
      </Clipboard.Trigger>
    </Clipboard.Root>
  )
}

/** The webhook section under the canvas of a saved webhook-triggered workflow. */
export function WebhookCard({ url, signed, active }: WebhookCardProps) {
  const curl = curlExample(url, { hello: 'world' }, signed)
  return (
    <Box as="section" aria-labelledby="webhook-title" borderWidth="1px" borderRadius="l3" p="4" bg="bg.panel">
      <Heading as="h2" size="sm" id="webhook-title" mb="2">Webhook</Heading>
      {!active && <Text fontSize="sm" color="fg.warning" mb="2">The workflow is inactive: calls are refused until it is switched on in Settings.</Text>}
      <Flex gap="2" mb="3">
        <Input size="sm" readOnly value={url} fontFamily="mono" aria-label="Webhook URL" onFocus={(e) => e.target.select()} data-testid="webhook-url" />
        <CopyButton value={url} label="Copy the webhook URL" />
      </Flex>
      <Flex justify="space-between" align="center" mb="1">
        <Text fontSize="sm" fontWeight="medium" id="curl-title">Try it with curl{signed ? ' (signed with $WEBHOOK_SECRET)' : ''}</Text>
        <CopyButton value={curl} label="Copy the curl example" />
      </Flex>
      <Code as="pre" display="block" whiteSpace="pre-wrap" wordBreak="break-all" p="3" fontSize="xs" aria-labelledby="curl-title" data-testid="curl-example">
        {curl}
      </Code>
    </Box>
  )
}
