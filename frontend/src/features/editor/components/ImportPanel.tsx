/** Import a workflow from a JSON file or pasted text: checked here, then created or loaded into the canvas. */
import { Alert, Box, Button, chakra, Field, Flex, Input, Text, Textarea } from '@chakra-ui/react'
import { useState } from 'react'

import { type ImportedWorkflow, parseImport } from '../lib/transfer'
import type { NodeCatalogue } from '../lib/types'

export interface ImportPanelProps {
  catalogue: NodeCatalogue
  /** Create a new workflow from the import. */
  onCreate: (imported: ImportedWorkflow) => void
  /** Replace the definition on the canvas (saved with the next Save). */
  onReplace: (imported: ImportedWorkflow) => void
  creating: boolean
  /** Why creating failed (the API's message), if it did. */
  createError?: string | null
}

/** File or paste, the check's result, and the two ways to use an import. */
export function ImportPanel({ catalogue, onCreate, onReplace, creating, createError }: ImportPanelProps) {
  const [text, setText] = useState('')
  const [result, setResult] = useState<ReturnType<typeof parseImport> | null>(null)
  const [replaced, setReplaced] = useState(false)
  const check = (value: string) => {
    setText(value)
    setReplaced(false)
    setResult(value.trim() ? parseImport(value, catalogue) : null)
  }
  const readFile = async (file: File | undefined) => {
    if (file) check(await file.text())
  }
  return (
    <Box borderWidth="1px" borderRadius="l3" p="4" bg="bg.panel">
      <Text fontWeight="medium" mb="2">Import</Text>
      <Field.Root mb="3">
        <Field.Label fontSize="sm">From a file</Field.Label>
        <Input type="file" accept="application/json,.json" size="sm" p="1" onChange={(e) => void readFile(e.target.files?.[0])} />
      </Field.Root>
      <Field.Root mb="3" invalid={result?.ok === false}>
        <Field.Label fontSize="sm">Or paste the JSON</Field.Label>
        <Textarea value={text} onChange={(e) => check(e.target.value)} rows={6} fontFamily="mono" fontSize="xs" spellCheck={false}
          placeholder='{"format": "automateos.workflow", "definition": {"nodes": [...], "edges": [...]}}' />
      </Field.Root>
      {result && !result.ok && (
        <Alert.Root status="error" size="sm" mb="3" data-testid="import-problems">
          <Alert.Indicator />
          <Alert.Content>
            <Alert.Title>This cannot be imported</Alert.Title>
            <Alert.Description><chakra.ul ps="4">{result.problems.map((p) => <li key={p}>{p}</li>)}</chakra.ul></Alert.Description>
          </Alert.Content>
        </Alert.Root>
      )}
      {result?.ok && (
        <Text fontSize="sm" mb="3" role="status">
          Ready: {result.value.fields.name ? `“${result.value.fields.name}”, ` : ''}{result.value.definition.nodes.length} nodes, {result.value.definition.edges.length} connections.
        </Text>
      )}
      {createError && <Text color="fg.error" fontSize="sm" mb="2" role="alert">{createError}</Text>}
      {replaced && <Text fontSize="sm" mb="2" role="status">Loaded into the editor: save to keep it.</Text>}
      <Flex gap="2" wrap="wrap">
        <Button size="sm" colorPalette="teal" disabled={!result?.ok} loading={creating}
          onClick={() => result?.ok && onCreate(result.value)}>Create a new workflow</Button>
        <Button size="sm" variant="outline" disabled={!result?.ok}
          onClick={() => { if (result?.ok) { onReplace(result.value); setReplaced(true) } }}>Replace this workflow's definition</Button>
      </Flex>
    </Box>
  )
}
