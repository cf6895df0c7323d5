/** The side panel of the selected node: id, name, params form, step overrides, connections, delete. */
import { Alert, Badge, Box, Button, chakra, Field, Flex, Heading, HStack, Input, NativeSelect, Stack, Text } from '@chakra-ui/react'
import { useState } from 'react'

import type { NodeErrors } from '../lib/apiErrors'
import { categoryStyle } from '../lib/categories'
import { MAIN_PORT, type WorkflowFlowEdge, type WorkflowFlowNode } from '../lib/flow'
import type { ScopeName } from '../lib/scope'
import type { NodeTypeInfo, WorkflowNodeData } from '../lib/types'
import { ParamsForm } from './ParamsForm'
import { SamplePreview } from './SamplePreview'
import { TestEventPanel } from './TestEventPanel'

/** The saved workflow, when it starts with a webhook: test events and previews need it. */
export interface SavedWebhookWorkflow {
  id: number
  webhookUrl: string
  /** Ids of the nodes in the saved definition. */
  nodeIds: string[]
}

interface NodePanelProps {
  node: WorkflowFlowNode
  info: NodeTypeInfo | undefined
  nodes: WorkflowFlowNode[]
  edges: WorkflowFlowEdge[]
  scope: ScopeName[]
  errors: NodeErrors | undefined
  onChange: (patch: Partial<WorkflowNodeData>) => void
  onRemove: () => void
  /** Connect one of this node's ports to another node; returns why not, or null. */
  onConnect: (port: string, target: string) => string | null
  onRemoveEdge: (edgeId: string) => void
  /** Set for a saved webhook workflow: the trigger listens for test events, the others preview. */
  webhook?: SavedWebhookWorkflow
}

/** Param errors whose field has no input in the form (e.g. an unknown field): listed at the top. */
function unplacedParamErrors(errors: NodeErrors | undefined, info: NodeTypeInfo | undefined): string[] {
  if (!errors) return []
  const known = new Set(Object.keys((info?.params_schema.properties as Record<string, unknown> | undefined) ?? {}))
  return Object.entries(errors.params)
    .filter(([path]) => !known.has(path.split('.')[0] ?? ''))
    .flatMap(([path, messages]) => messages.map((m) => `params.${path}: ${m}`))
}

/** Everything about the selected node. */
export function NodePanel({ node, info, nodes, edges, scope, errors, onChange, onRemove, onConnect, onRemoveEdge, webhook }: NodePanelProps) {
  const style = categoryStyle(info?.category ?? 'unknown')
  const outputs = info?.outputs.length ? info.outputs : [MAIN_PORT]
  const outgoing = edges.filter((e) => e.source === node.id)
  const incoming = edges.filter((e) => e.target === node.id)
  const nodeMessages = [...(errors?.messages ?? []), ...unplacedParamErrors(errors, info)]
  const idBase = `node-panel-${node.id}`

  return (
    <Stack gap="4" as="section" aria-labelledby={`${idBase}-title`} data-testid="node-panel">
      <Box>
        <HStack gap="2" mb="1">
          <Text as="span" aria-hidden color={`${style.palette}.fg`}>{style.icon}</Text>
          <Heading as="h2" size="sm" id={`${idBase}-title`}>{node.data.name || info?.name || node.data.nodeType}</Heading>
          <Badge colorPalette={style.palette}>{info?.category ?? 'unknown'}</Badge>
          {info && <Badge variant="outline" title="Version of the node type">v{info.version}</Badge>}
        </HStack>
        {info && <Text fontSize="sm" color="fg.muted">{info.description}</Text>}
      </Box>

      {nodeMessages.length > 0 && (
        <Alert.Root status="error" size="sm" data-testid="node-errors">
          <Alert.Indicator />
          <Alert.Content>
            <Alert.Title>This node was refused</Alert.Title>
            <Alert.Description>
              <chakra.ul ps="4">{nodeMessages.map((m) => <li key={m}>{m}</li>)}</chakra.ul>
            </Alert.Description>
          </Alert.Content>
        </Alert.Root>
      )}

      {/* First on a webhook's panel: its params form is long. */}
      {webhook && node.data.nodeType === 'webhook' && <TestEventPanel workflowId={webhook.id} webhookUrl={webhook.webhookUrl} />}

      <Flex gap="3" wrap="wrap">
        <Field.Root flex="1 1 6rem">
          <Field.Label fontSize="sm">Id</Field.Label>
          <Input size="sm" value={node.id} readOnly fontFamily="mono" aria-describedby={`${idBase}-id-help`} />
          <Field.HelperText id={`${idBase}-id-help`} fontSize="xs">Expressions refer to it as nodes.{node.id}</Field.HelperText>
        </Field.Root>
        <Field.Root flex="2 1 10rem">
          <Field.Label fontSize="sm">Name</Field.Label>
          <Input size="sm" value={node.data.name ?? ''} placeholder={info?.name} maxLength={200}
            onChange={(e) => onChange({ name: e.target.value || undefined })} />
        </Field.Root>
      </Flex>

      {info ? (
        <Box>
          <Heading as="h3" size="xs" mb="2">Parameters</Heading>
          {Object.keys((info.params_schema.properties as object | undefined) ?? {}).length === 0 ? (
            <Text fontSize="sm" color="fg.muted">This node has no parameters.</Text>
          ) : (
            <ParamsForm nodeId={node.id} schema={info.params_schema} params={node.data.params} scope={scope}
              apiErrors={errors?.params} onChange={(params) => onChange({ params })} />
          )}
        </Box>
      ) : (
        <Text color="fg.error" fontSize="sm">Node type '{node.data.nodeType}' is not installed on this server.</Text>
      )}

      {webhook && info && info.category !== 'trigger' && (
        <SamplePreview workflowId={webhook.id} nodeId={node.id} params={node.data.params}
          saved={webhook.nodeIds.includes(node.id)} />
      )}

      {info && info.category !== 'trigger' && <StepOverrides node={node} info={info} errors={errors} onChange={onChange} />}

      <Connections node={node} nodes={nodes} outgoing={outgoing} incoming={incoming} outputs={outputs}
        onConnect={onConnect} onRemoveEdge={onRemoveEdge} />

      <Button size="sm" colorPalette="red" variant="outline" onClick={onRemove} alignSelf="flex-start">
        Delete node
      </Button>
    </Stack>
  )
}

/** Optional per-node max_retries / timeout_seconds; empty means the node type's default. */
function StepOverrides({ node, info, errors, onChange }: { node: WorkflowFlowNode; info: NodeTypeInfo; errors: NodeErrors | undefined; onChange: (patch: Partial<WorkflowNodeData>) => void }) {
  const fields = [
    { key: 'max_retries' as const, label: 'Max retries', placeholder: info.max_retries, step: 1, min: 0, max: 10 },
    { key: 'timeout_seconds' as const, label: 'Timeout (seconds)', placeholder: info.timeout_seconds, step: 0.1, min: 0.1, max: 7200 },
  ]
  return (
    <Box as="fieldset">
      <Heading as="legend" size="xs" mb="2">Step settings</Heading>
      <Flex gap="3" wrap="wrap">
        {fields.map((f) => {
          const value = node.data[f.key]
          const messages = errors?.overrides[f.key] ?? []
          return (
            <Field.Root key={f.key} flex="1 1 8rem" invalid={messages.length > 0}>
              <Field.Label fontSize="sm">{f.label}</Field.Label>
              <Input size="sm" type="number" step={f.step} min={f.min} max={f.max} value={value ?? ''}
                placeholder={`default ${f.placeholder}`}
                onChange={(e) => onChange({ [f.key]: e.target.value === '' ? undefined : Number(e.target.value) })} />
              {messages.map((m) => <Field.ErrorText key={m}>{m}</Field.ErrorText>)}
            </Field.Root>
          )
        })}
      </Flex>
    </Box>
  )
}

/** The node's edges, and a keyboard way to connect a port to another node. */
function Connections({ node, nodes, outgoing, incoming, outputs, onConnect, onRemoveEdge }: {
  node: WorkflowFlowNode; nodes: WorkflowFlowNode[]; outgoing: WorkflowFlowEdge[]; incoming: WorkflowFlowEdge[]; outputs: string[]
  onConnect: (port: string, target: string) => string | null; onRemoveEdge: (id: string) => void
}) {
  const others = nodes.filter((n) => n.id !== node.id)
  const [port, setPort] = useState(outputs[0] ?? MAIN_PORT)
  const [target, setTarget] = useState('')
  const [problem, setProblem] = useState<string | null>(null)
  const label = (id: string) => nodes.find((n) => n.id === id)?.data.name || id
  const idBase = `connections-${node.id}`
  return (
    <Box as="section" aria-labelledby={`${idBase}-title`}>
      <Heading as="h3" size="xs" mb="2" id={`${idBase}-title`}>Connections</Heading>
      <Stack gap="1" mb="2" as="ul" listStyleType="none">
        {incoming.map((e) => (
          <Text as="li" key={e.id} fontSize="sm">from <b>{label(e.source)}</b>{e.sourceHandle && e.sourceHandle !== MAIN_PORT ? ` (${e.sourceHandle})` : ''}</Text>
        ))}
        {outgoing.map((e) => (
          <Flex as="li" key={e.id} align="center" gap="2" fontSize="sm">
            <Text>{e.sourceHandle && e.sourceHandle !== MAIN_PORT ? `${e.sourceHandle} → ` : 'to '}<b>{label(e.target)}</b></Text>
            <Button size="2xs" variant="ghost" colorPalette="red" onClick={() => onRemoveEdge(e.id)}
              aria-label={`Remove the connection to ${label(e.target)}`}>Remove</Button>
          </Flex>
        ))}
        {incoming.length + outgoing.length === 0 && <Text as="li" fontSize="sm" color="fg.muted">Not connected yet.</Text>}
      </Stack>
      {others.length > 0 && (
        <Flex gap="2" align="flex-end" wrap="wrap">
          {outputs.length > 1 && (
            <Field.Root w="auto">
              <Field.Label fontSize="xs">Output</Field.Label>
              <NativeSelect.Root size="sm" w="24">
                <NativeSelect.Field value={port} onChange={(e) => setPort(e.target.value)}>
                  {outputs.map((p) => <option key={p} value={p}>{p}</option>)}
                </NativeSelect.Field>
                <NativeSelect.Indicator />
              </NativeSelect.Root>
            </Field.Root>
          )}
          <Field.Root flex="1 1 8rem">
            <Field.Label fontSize="xs">Connect to</Field.Label>
            <NativeSelect.Root size="sm">
              <NativeSelect.Field value={target} onChange={(e) => setTarget(e.target.value)}>
                <option value="">Choose a node…</option>
                {others.map((n) => <option key={n.id} value={n.id}>{n.data.name || n.id}</option>)}
              </NativeSelect.Field>
              <NativeSelect.Indicator />
            </NativeSelect.Root>
          </Field.Root>
          <Button size="sm" variant="outline" disabled={!target}
            onClick={() => { setProblem(onConnect(port, target)); setTarget('') }}>Connect</Button>
        </Flex>
      )}
      {problem && <Text fontSize="xs" color="fg.error" mt="1" role="alert">{problem}</Text>}
    </Box>
  )
}
