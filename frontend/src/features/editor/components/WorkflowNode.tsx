/** A node on the canvas: category colour and icon, name and type, its input and one handle per output port. */
import { Badge, Box, Flex, Text } from '@chakra-ui/react'
import { Handle, type NodeProps, Position } from '@xyflow/react'
import { memo } from 'react'

import { countNodeErrors } from '../lib/apiErrors'
import { categoryStyle } from '../lib/categories'
import { INPUT_HANDLE, MAIN_PORT, type WorkflowFlowNode } from '../lib/flow'
import { paramsSummary } from '../lib/summary'
import { useEditorContext } from './editorContext'

const HANDLE_SIZE = 12
const PORT_ROW = 22

function WorkflowNodeView({ id, data, selected }: NodeProps<WorkflowFlowNode>) {
  const { catalogue, errors } = useEditorContext()
  const info = catalogue[data.nodeType]
  const category = info?.category ?? 'unknown'
  const style = categoryStyle(category)
  const outputs = info?.outputs?.length ? info.outputs : [MAIN_PORT]
  const errorCount = countNodeErrors(errors.nodes[id])
  const isTrigger = category === 'trigger'
  const title = data.name || info?.name || data.nodeType
  const namedPorts = outputs.length > 1 || outputs[0] !== MAIN_PORT

  return (
    <Box
      data-testid={`node-${id}`}
      data-node-type={data.nodeType}
      minW="200px"
      maxW="260px"
      bg="bg.panel"
      borderWidth="2px"
      borderRadius="lg"
      borderColor={errorCount ? 'border.error' : selected ? `${style.palette}.solid` : 'border'}
      boxShadow={selected ? 'lg' : 'sm'}
      position="relative"
      pr={namedPorts ? '12' : '3'}
    >
      {!isTrigger && (
        <Handle type="target" position={Position.Left} id={INPUT_HANDLE} title={`Input of ${title}`}
          style={{ width: HANDLE_SIZE, height: HANDLE_SIZE }} />
      )}
      <Flex align="center" gap="2" px="3" py="2" borderTopRadius="md" bg={`${style.palette}.subtle`}>
        <Text as="span" aria-hidden fontSize="lg" color={`${style.palette}.fg`}>{style.icon}</Text>
        <Box minW="0">
          <Text fontWeight="semibold" fontSize="sm" truncate>{title}</Text>
          <Text fontSize="xs" color="fg.muted" truncate>
            {info?.name ?? data.nodeType} · {id}
          </Text>
        </Box>
        {errorCount > 0 && (
          <Badge ml="auto" colorPalette="red" variant="solid" aria-label={`${errorCount} error${errorCount > 1 ? 's' : ''}`}>
            {errorCount}
          </Badge>
        )}
      </Flex>
      <Box px="3" py="1.5" minH={namedPorts ? `${outputs.length * PORT_ROW}px` : undefined}>
        <Text fontSize="xs" color={info ? 'fg.muted' : 'fg.error'} truncate data-testid="node-summary">
          {info ? paramsSummary(data) || style.label.replace(/s$/, '') : `Unknown type '${data.nodeType}'`}
        </Text>
      </Box>
      {outputs.map((port, index) => {
        // Ports are spread over the body, below the header.
        const top = namedPorts ? 48 + PORT_ROW * index + PORT_ROW / 2 : undefined
        return (
          <Box key={port}>
            {namedPorts && (
              <Text position="absolute" right="4" top={`${(top ?? 0) - 9}px`} fontSize="xs" color="fg.muted">{port}</Text>
            )}
            <Handle type="source" position={Position.Right} id={port} title={`Output ${port} of ${title}`}
              data-port={port} style={{ width: HANDLE_SIZE, height: HANDLE_SIZE, ...(top !== undefined ? { top } : {}) }} />
          </Box>
        )
      })}
    </Box>
  )
}

/** The one custom node type of the canvas (registered once, outside any component). */
export const WorkflowNode = memo(WorkflowNodeView)
