/** A run's or step's error: type, node, message, and the traceback (folded). */
import { Alert, Box, Code, Text } from '@chakra-ui/react'

import type { ExecutionError } from '../types'

/** An error as an alert: type and node in the title, the message, the traceback folded. */
export function ErrorPanel({ error, title = 'The run failed' }: { error: ExecutionError; title?: string }) {
  return (
    <Alert.Root status="error" alignItems="flex-start" data-testid="error-panel">
      <Alert.Indicator />
      <Alert.Content minW="0" w="full">
        <Alert.Title>{title}{error.type ? `: ${error.type}` : ''}</Alert.Title>
        <Alert.Description>
          {error.node_id ? <Text>Node <Code>{error.node_id}</Code></Text> : null}
          <Text whiteSpace="pre-wrap" wordBreak="break-word">{error.message}</Text>
          {error.traceback ? (
            <Box as="details" mt="2">
              <Box as="summary" cursor="pointer" fontWeight="medium">Traceback</Box>
              <Box as="pre" mt="2" p="2" fontSize="xs" overflowX="auto" bg="bg.panel" color="fg" borderRadius="sm"
                maxH="24rem" overflowY="auto" tabIndex={0} data-testid="traceback">
                {error.traceback}
              </Box>
            </Box>
          ) : null}
        </Alert.Description>
      </Alert.Content>
    </Alert.Root>
  )
}
