/** Above the canvas: auto-layout, delete the selection, a hint on connecting. */
import { Button, HStack, Text } from '@chakra-ui/react'

interface CanvasToolbarProps {
  onAutoLayout: () => void
  canLayout: boolean
  /** Delete the selected node or connection, when one is selected. */
  onDelete?: () => void
  deleteLabel?: string
}

/** The toolbar above the canvas. */
export function CanvasToolbar({ onAutoLayout, canLayout, onDelete, deleteLabel }: CanvasToolbarProps) {
  return (
    <HStack gap="2" wrap="wrap">
      <Button size="xs" variant="outline" onClick={onAutoLayout} disabled={!canLayout}>Auto-layout</Button>
      {onDelete && <Button size="xs" variant="outline" colorPalette="red" onClick={onDelete}>{deleteLabel}</Button>}
      <Text fontSize="xs" color="fg.muted">Connect: drag from a right handle to a left handle. Delete key removes the selection.</Text>
    </HStack>
  )
}
