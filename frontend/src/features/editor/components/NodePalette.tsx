/** The palette: every installed node type, grouped by category; click to add, or drag onto the canvas. */
import { Box, Button, Flex, Heading, Stack, Text } from '@chakra-ui/react'
import type { DragEvent } from 'react'

import { categoryStyle, orderCategories } from '../lib/categories'
import type { NodeTypeInfo } from '../lib/types'

/** The drag-and-drop data type carrying a node type name. */
export const NODE_DRAG_TYPE = 'application/x-automateos-node'

interface NodePaletteProps {
  nodeTypes: NodeTypeInfo[]
  onAdd: (type: string) => void
  /** A trigger is already on the canvas: offer no second one. */
  hasTrigger: boolean
}

/** The node types to add, by category. */
export function NodePalette({ nodeTypes, onAdd, hasTrigger }: NodePaletteProps) {
  const categories = orderCategories(nodeTypes.map((t) => t.category))
  const onDragStart = (event: DragEvent, type: string) => {
    event.dataTransfer.setData(NODE_DRAG_TYPE, type)
    event.dataTransfer.effectAllowed = 'move'
  }
  return (
    <Box as="nav" aria-label="Node palette" overflowY="auto" h="full">
      <Stack gap="4">
        {categories.map((category) => {
          const style = categoryStyle(category)
          const disabled = category === 'trigger' && hasTrigger
          return (
            <Box key={category} as="section" aria-labelledby={`palette-${category}`}>
              <Heading as="h3" id={`palette-${category}`} size="xs" textTransform="uppercase" color="fg.muted" mb="2">
                {style.label}
              </Heading>
              {disabled && <Text fontSize="xs" color="fg.muted" mb="1">A workflow has one trigger.</Text>}
              {/* A wrapping row on narrow screens, a column beside the canvas on wide ones. */}
              <Flex gap="1.5" direction={{ base: 'row', lg: 'column' }} wrap="wrap">
                {nodeTypes.filter((t) => t.category === category).map((t) => (
                  <Button
                    key={t.type}
                    data-testid={`palette-${t.type}`}
                    variant="outline"
                    size="sm"
                    justifyContent="flex-start"
                    colorPalette={style.palette}
                    draggable={!disabled}
                    disabled={disabled}
                    onDragStart={(event) => onDragStart(event, t.type)}
                    onClick={() => onAdd(t.type)}
                    title={t.description}
                    aria-label={`Add ${t.name}`}
                  >
                    <Text as="span" aria-hidden color={`${style.palette}.fg`}>{style.icon}</Text>
                    <Text as="span" truncate>{t.name}</Text>
                  </Button>
                ))}
              </Flex>
            </Box>
          )
        })}
      </Stack>
    </Box>
  )
}
