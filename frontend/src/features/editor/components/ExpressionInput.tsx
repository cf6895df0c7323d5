/**
 * A text input that takes `{{ }}` expressions, with a helper menu listing the names in
 * scope (`input`, `nodes.<id>`, `trigger`, `execution`) that inserts one at the caret.
 */
import { Box, Flex, IconButton, Input, Menu, Portal, Text, Textarea } from '@chakra-ui/react'
import { type ChangeEvent, type FocusEvent, useRef } from 'react'

import { insertExpression, isExpression, type ScopeName } from '../lib/scope'

interface ExpressionInputProps {
  id: string
  value: string
  onChange: (text: string) => void
  scope: ScopeName[]
  /** Label of the field, for the helper's accessible name. */
  label: string
  multiline?: boolean
  invalid?: boolean
  disabled?: boolean
  placeholder?: string
  inputMode?: 'text' | 'decimal' | 'numeric' | 'url'
  describedBy?: string
  onBlur?: (event: FocusEvent<HTMLInputElement | HTMLTextAreaElement>) => void
  onFocus?: (event: FocusEvent<HTMLInputElement | HTMLTextAreaElement>) => void
}

/** The input and its helper menu. */
export function ExpressionInput({
  id, value, onChange, scope, label, multiline, invalid, disabled, placeholder, inputMode, describedBy, onBlur, onFocus,
}: ExpressionInputProps) {
  const field = useRef<HTMLInputElement & HTMLTextAreaElement>(null)
  // The caret when the field last had focus: the menu takes focus before an item is picked.
  const caret = useRef<{ start: number; end: number } | null>(null)
  const remember = () => {
    const el = field.current
    if (el) caret.current = { start: el.selectionStart ?? el.value.length, end: el.selectionEnd ?? el.value.length }
  }
  const insert = (path: string) => {
    const at = caret.current ?? { start: value.length, end: value.length }
    const next = insertExpression(value, path, at.start, at.end)
    onChange(next.text)
    requestAnimationFrame(() => {
      field.current?.focus()
      field.current?.setSelectionRange(next.caret, next.caret)
    })
  }
  const common = {
    id,
    ref: field,
    value,
    disabled,
    placeholder,
    'aria-invalid': invalid || undefined,
    'aria-describedby': describedBy,
    onChange: (event: ChangeEvent<HTMLInputElement & HTMLTextAreaElement>) => onChange(event.target.value),
    onSelect: remember,
    onKeyUp: remember,
    onBlur: (event: FocusEvent<HTMLInputElement & HTMLTextAreaElement>) => {
      remember()
      onBlur?.(event)
    },
    onFocus,
    fontFamily: isExpression(value) ? 'mono' : undefined,
    size: 'sm' as const,
  }
  return (
    <Flex gap="1" align="flex-start">
      <Box flex="1" minW="0">
        {multiline ? <Textarea {...common} rows={3} autoresize /> : <Input {...common} inputMode={inputMode} />}
      </Box>
      <Menu.Root onSelect={(details) => insert(details.value)} positioning={{ placement: 'bottom-end' }}>
        <Menu.Trigger asChild>
          <IconButton size="sm" variant="outline" aria-label={`Insert an expression into ${label}`} title="Insert an expression" disabled={disabled}
            fontFamily="mono" fontSize="xs">
            {'{{ }}'}
          </IconButton>
        </Menu.Trigger>
        <Portal>
          <Menu.Positioner>
            <Menu.Content maxH="72" overflowY="auto" minW="64">
              <Menu.ItemGroup>
                <Menu.ItemGroupLabel>Names in scope</Menu.ItemGroupLabel>
                {scope.map((name) => (
                  <Menu.Item key={name.path} value={name.path}>
                    <Box>
                      <Text fontFamily="mono" fontSize="sm">{name.path}</Text>
                      <Text fontSize="xs" color="fg.muted">{name.hint}</Text>
                    </Box>
                  </Menu.Item>
                ))}
              </Menu.ItemGroup>
            </Menu.Content>
          </Menu.Positioner>
        </Portal>
      </Menu.Root>
    </Flex>
  )
}
