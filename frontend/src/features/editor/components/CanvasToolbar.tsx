/** Above the canvas: auto-layout (then fit the view), delete the selection, a hint on connecting. */
import { Button, HStack, Text } from '@chakra-ui/react'
import { useReactFlow } from '@xyflow/react'

interface CanvasToolbarProps {
  onAutoLayout: () => void
  canLayout: boolean
  /** Delete the selected node or connection, when one is selected. */
  onDelete?: () => void
  deleteLabel?: string
}

/** The toolbar; must be inside a ReactFlowProvider. */
export function CanvasToolbar({ onAutoLayout, canLayout, onDelete, deleteLabel }: CanvasToolbarProps) {
  const { fitView } = useReactFlow()
  const layout = () => {
    onAutoLayout()
    // The new positions render on the next frame: fit them then.
    requestAnimationFrame(() => void fitView({ padding: 0.15, maxZoom: 1.2, duration: 200 }))
  }
  return (
    <HStack gap="2" wrap="wrap">
      <Button size="xs" variant="outline" onClick={layout} disabled={!canLayout}>Auto-layout</Button>
      {onDelete && <Button size="xs" variant="outline" colorPalette="red" onClick={onDelete}>{deleteLabel}</Button>}
      <Text fontSize="xs" color="fg.muted">Connect: drag from a right handle to a left handle. Delete key removes the selection.</Text>
    </HStack>
  )
}
