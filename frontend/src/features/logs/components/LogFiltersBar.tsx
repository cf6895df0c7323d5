/** Filters of a runs list: status (several, with counts), trigger, date range, text search, workflow. */
import { Box, Button, Field, Flex, Group, Input, NativeSelect, Text } from '@chakra-ui/react'
import { memo, useEffect, useState } from 'react'

import { EXECUTION_STATUSES, type LogFilters, TRIGGERS } from '../lib/filters'
import { fromLocalInput, toLocalInput } from '../lib/format'
import type { StatusCounts } from '../types'
import { paletteOf } from './StatusBadge'

/** A workflow the filter can pick. */
export interface WorkflowOption {
  id: number
  name: string
}

export interface LogFiltersBarProps {
  filters: LogFilters
  onChange: (patch: Partial<LogFilters>) => void
  counts?: StatusCounts
  /** Offer the workflow filter (the all-runs page). */
  workflows?: WorkflowOption[]
}

const toggle = <T,>(list: T[] | undefined, value: T): T[] | undefined => {
  const next = list?.includes(value) ? list.filter((v) => v !== value) : [...(list ?? []), value]
  return next.length ? next : undefined
}

/** Text search, sent once the user pauses typing and the text is long enough for the API. */
function SearchField({ value, onChange }: { value?: string; onChange: (q: string | undefined) => void }) {
  const [text, setText] = useState(value ?? '')
  const [seen, setSeen] = useState({ value, sent: value })
  // The URL changed by other means (Back, "Clear filters"): show what it holds now.
  if (value !== seen.value) {
    setSeen({ value, sent: seen.sent })
    if (value !== seen.sent) setText(value ?? '')
  }
  useEffect(() => {
    const trimmed = text.trim()
    if (trimmed === (value ?? '')) return
    if (trimmed.length > 0 && trimmed.length < 3) return
    const timer = setTimeout(() => {
      setSeen((s) => ({ ...s, sent: trimmed || undefined }))
      onChange(trimmed || undefined)
    }, 300)
    return () => clearTimeout(timer)
  }, [text, value, onChange])
  const tooShort = text.trim().length > 0 && text.trim().length < 3
  return (
    <Field.Root invalid={tooShort} flex="1" minW="12rem">
      <Field.Label fontSize="sm">Search</Field.Label>
      <Input type="search" size="sm" value={text} maxLength={200} placeholder="Order id, e-mail, error…"
        onChange={(e) => setText(e.target.value)} />
      {tooShort ? <Field.ErrorText>At least 3 characters</Field.ErrorText> : null}
    </Field.Root>
  )
}

/** Status toggles with their counts: the only part that re-renders as runs stream in. */
const StatusFilter = memo(function StatusFilter({ selected, counts, onChange }: {
  selected?: LogFilters['status']
  counts?: StatusCounts
  onChange: LogFiltersBarProps['onChange']
}) {
  return (
    <Flex wrap="wrap" gap="2" role="group" aria-label="Status">
      {EXECUTION_STATUSES.map((status) => {
        const on = selected?.includes(status) ?? false
        return (
          <Button key={status} size="xs" variant={on ? 'solid' : 'outline'} colorPalette={paletteOf(status)}
            aria-pressed={on} onClick={() => onChange({ status: toggle(selected, status) })}>
            {status}
            <Text as="span" data-testid={`count-${status}`} fontVariantNumeric="tabular-nums" fontWeight="semibold">
              {counts ? counts[status].toLocaleString() : '…'}
            </Text>
          </Button>
        )
      })}
    </Flex>
  )
})

/** Trigger, workflow, dates and search: re-render only when the filters change. */
const OtherFilters = memo(function OtherFilters({ filters, onChange, workflows }: Omit<LogFiltersBarProps, 'counts'>) {
  return (
    <Flex wrap="wrap" gap="3" align="flex-end">
      <Box>
        <Text fontSize="sm" fontWeight="medium" mb="1.5" id="trigger-filter-label">Trigger</Text>
        <Group attached role="group" aria-labelledby="trigger-filter-label">
          {TRIGGERS.map((trigger) => {
            const on = filters.trigger?.includes(trigger) ?? false
            return (
              <Button key={trigger} size="sm" variant={on ? 'solid' : 'outline'} aria-pressed={on}
                onClick={() => onChange({ trigger: toggle(filters.trigger, trigger) })}>
                {trigger}
              </Button>
            )
          })}
        </Group>
      </Box>
      {workflows ? (
        <Field.Root w="auto" minW="12rem">
          <Field.Label fontSize="sm">Workflow</Field.Label>
          <NativeSelect.Root size="sm">
            <NativeSelect.Field value={filters.workflowId ?? ''}
              onChange={(e) => onChange({ workflowId: e.target.value ? Number(e.target.value) : undefined })}>
              <option value="">All workflows</option>
              {workflows.map((wf) => <option key={wf.id} value={wf.id}>{wf.name}</option>)}
            </NativeSelect.Field>
            <NativeSelect.Indicator />
          </NativeSelect.Root>
        </Field.Root>
      ) : null}
      <Flex gap="2" align="flex-end" wrap="wrap">
        <Field.Root w="auto">
          <Field.Label fontSize="sm">From</Field.Label>
          <Input type="datetime-local" size="sm" maxW="13rem" value={toLocalInput(filters.since)}
            onChange={(e) => onChange({ since: fromLocalInput(e.target.value) })} />
        </Field.Root>
        <Field.Root w="auto">
          <Field.Label fontSize="sm">To</Field.Label>
          <Input type="datetime-local" size="sm" maxW="13rem" value={toLocalInput(filters.until)}
            onChange={(e) => onChange({ until: fromLocalInput(e.target.value) })} />
        </Field.Root>
      </Flex>
      <SearchField value={filters.q} onChange={(q) => onChange({ q })} />
    </Flex>
  )
})

/** Every filter of a runs list; changes go to `onChange` as a partial patch. */
export function LogFiltersBar({ filters, onChange, counts, workflows }: LogFiltersBarProps) {
  return (
    <Flex direction="column" gap="3">
      <StatusFilter selected={filters.status} counts={counts} onChange={onChange} />
      <OtherFilters filters={filters} onChange={onChange} workflows={workflows} />
    </Flex>
  )
}
