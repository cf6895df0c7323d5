/** The graph canvas (React Flow): pan, zoom, fit, minimap, drop from the palette, connect ports. */
import '@xyflow/react/dist/style.css'

import { Box, useBreakpointValue } from '@chakra-ui/react'
import {
  Background,
  type Connection,
  Controls,
  type EdgeChange,
  type IsValidConnection,
  MiniMap,
  type NodeChange,
  ReactFlow,
  useReactFlow,
} from '@xyflow/react'
import { type DragEvent, useCallback, useEffect, useRef } from 'react'

import { useColorMode } from '../../../components/colorMode'
import type { WorkflowFlowEdge, WorkflowFlowNode } from '../lib/flow'
import { NODE_DRAG_TYPE } from './NodePalette'
import { WorkflowNode } from './WorkflowNode'

const NODE_TYPES = { workflow: WorkflowNode }

interface EditorCanvasProps {
  nodes: WorkflowFlowNode[]
  edges: WorkflowFlowEdge[]
  onNodesChange: (changes: NodeChange<WorkflowFlowNode>[]) => void
  onEdgesChange: (changes: EdgeChange<WorkflowFlowEdge>[]) => void
  onConnect: (connection: Connection) => void
  canConnect: (connection: Pick<Connection, 'source' | 'target' | 'sourceHandle'>) => boolean
  onDropNode: (type: string, position: { x: number; y: number }) => void
  /** Edge ids the last save complained about (drawn red). */
  edgeErrors: Record<string, string[]>
  /** Changed to fit the view to the nodes (e.g. after an auto-layout). */
  fitKey?: number
}

/** The canvas; must be inside a ReactFlowProvider. */
export function EditorCanvas({ nodes, edges, onNodesChange, onEdgesChange, onConnect, canConnect, onDropNode, edgeErrors, fitKey = 0 }: EditorCanvasProps) {
  const { screenToFlowPosition, flowToScreenPosition, fitView, getZoom } = useReactFlow()
  const { colorMode } = useColorMode()
  const container = useRef<HTMLDivElement>(null)
  // On a phone the minimap would cover most of the canvas.
  const showMiniMap = useBreakpointValue({ base: false, md: true }) ?? true

  // A node was added off-screen (e.g. by a click in the palette): bring everything into view, without zooming in.
  const count = useRef(nodes.length)
  useEffect(() => {
    const grew = nodes.length > count.current
    count.current = nodes.length
    const added = nodes[nodes.length - 1]
    const bounds = container.current?.getBoundingClientRect()
    if (!grew || !added || !bounds) return
    const corner = flowToScreenPosition({ x: added.position.x + 220, y: added.position.y + 90 })
    const start = flowToScreenPosition(added.position)
    const visible = start.x >= bounds.left && start.y >= bounds.top && corner.x <= bounds.right && corner.y <= bounds.bottom
    if (visible) return
    // Wait a frame for React Flow to measure the new node.
    const frame = requestAnimationFrame(() => void fitView({ padding: 0.3, maxZoom: Math.min(getZoom(), 1.2), duration: 150 }))
    return () => cancelAnimationFrame(frame)
  }, [nodes, flowToScreenPosition, fitView, getZoom])

  // Runs after React Flow has taken the new positions in (its store syncs in a child's effect).
  useEffect(() => {
    if (fitKey === 0) return
    const frame = requestAnimationFrame(() => void fitView({ padding: 0.15, maxZoom: 1.2, duration: 200 }))
    return () => cancelAnimationFrame(frame)
  }, [fitKey, fitView])

  const onDragOver = useCallback((event: DragEvent) => {
    if (!event.dataTransfer.types.includes(NODE_DRAG_TYPE)) return
    event.preventDefault()
    event.dataTransfer.dropEffect = 'move'
  }, [])
  const onDrop = useCallback(
    (event: DragEvent) => {
      const type = event.dataTransfer.getData(NODE_DRAG_TYPE)
      if (!type) return
      event.preventDefault()
      const at = screenToFlowPosition({ x: event.clientX, y: event.clientY })
      // Centre the node's header on the pointer.
      onDropNode(type, { x: Math.round(at.x - 100), y: Math.round(at.y - 20) })
    },
    [screenToFlowPosition, onDropNode],
  )
  const isValidConnection: IsValidConnection<WorkflowFlowEdge> = useCallback(
    (c) => canConnect({ source: c.source, target: c.target, sourceHandle: c.sourceHandle ?? null }),
    [canConnect],
  )
  const styledEdges = edges.map((edge) =>
    edgeErrors[edge.id] ? { ...edge, animated: true, style: { stroke: 'var(--chakra-colors-red-500)', strokeWidth: 2 } } : edge,
  )

  return (
    <Box ref={container} h="full" w="full" onDragOver={onDragOver} onDrop={onDrop} data-testid="editor-canvas">
      <ReactFlow<WorkflowFlowNode, WorkflowFlowEdge>
        nodes={nodes}
        edges={styledEdges}
        nodeTypes={NODE_TYPES}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        isValidConnection={isValidConnection}
        deleteKeyCode={['Delete', 'Backspace']}
        colorMode={colorMode}
        fitView
        fitViewOptions={{ padding: 0.15, maxZoom: 1.2 }}
        minZoom={0.2}
        maxZoom={2}
        defaultEdgeOptions={{ type: 'smoothstep' }}
        aria-label="Workflow canvas"
      >
        <Background gap={20} />
        <Controls showInteractive={false} aria-label="Zoom controls" />
        {showMiniMap && <MiniMap pannable zoomable ariaLabel="Mini map" />}
      </ReactFlow>
    </Box>
  )
}
