/**
 * Collapsible, highlighted JSON that stays fast on multi-megabyte values: everything starts
 * collapsed, a level renders only when opened, long levels and strings are shown in
 * slices, and 'Raw' shows the text (capped) instead of the tree.
 */
import { memo, useMemo, useState } from 'react'

import './JsonViewer.css'

/** Children of one object or array rendered per slice. */
export const CHILDREN_PER_SLICE = 100
/** Characters of a string shown before 'more'. */
export const STRING_PREVIEW = 300
/** Characters of raw text shown at most. */
export const RAW_LIMIT = 200_000

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

const isContainer = (value: unknown): value is Json[] | Record<string, Json> =>
  typeof value === 'object' && value !== null

function summary(value: Json[] | Record<string, Json>): string {
  return Array.isArray(value) ? `[${value.length} item${value.length === 1 ? '' : 's'}]`
    : `{${Object.keys(value).length} key${Object.keys(value).length === 1 ? '' : 's'}}`
}

function Scalar({ value }: { value: Exclude<Json, Json[] | Record<string, Json>> }) {
  const [full, setFull] = useState(false)
  if (value === null) return <span className="json-null">null</span>
  if (typeof value === 'boolean') return <span className="json-boolean">{String(value)}</span>
  if (typeof value === 'number') return <span className="json-number">{value}</span>
  if (value.length <= STRING_PREVIEW || full) return <span className="json-string">{JSON.stringify(value)}</span>
  return (
    <span className="json-string">
      {JSON.stringify(value.slice(0, STRING_PREVIEW)).slice(0, -1)}…&quot;{' '}
      <button type="button" className="json-more" onClick={() => setFull(true)}>
        {(value.length - STRING_PREVIEW).toLocaleString()} more characters
      </button>
    </span>
  )
}

interface NodeProps {
  name: string | number | null
  value: Json
  defaultOpen?: boolean
}

function JsonNode({ name, value, defaultOpen = false }: NodeProps) {
  const [open, setOpen] = useState(defaultOpen)
  const label = name === null ? null
    : <span className="json-key">{typeof name === 'number' ? name : JSON.stringify(name)}: </span>
  if (!isContainer(value)) {
    return <li className="json-row" data-json-node="">{label}<Scalar value={value} /></li>
  }
  const empty = Array.isArray(value) ? value.length === 0 : Object.keys(value).length === 0
  return (
    <li className="json-row" data-json-node="">
      <button type="button" className="json-toggle" aria-expanded={open} disabled={empty}
        aria-label={`${open ? 'Collapse' : 'Expand'} ${name === null ? 'value' : String(name)}`}
        onClick={() => setOpen((o) => !o)}>
        {empty ? '·' : open ? '▾' : '▸'}
      </button>
      {label}
      <span className="json-summary">{summary(value)}</span>
      {open && !empty ? <Children value={value} /> : null}
    </li>
  )
}

function Children({ value }: { value: Json[] | Record<string, Json> }) {
  const [shown, setShown] = useState(CHILDREN_PER_SLICE)
  // Object.keys of a huge object is computed once per open, not per render.
  const keys = useMemo(() => (Array.isArray(value) ? null : Object.keys(value)), [value])
  const total = keys ? keys.length : (value as Json[]).length
  const items = []
  for (let i = 0; i < Math.min(shown, total); i += 1) {
    const name: string | number = keys ? keys[i] ?? '' : i
    const child = (keys ? (value as Record<string, Json>)[name] : (value as Json[])[i]) ?? null
    items.push(<JsonNode key={String(name)} name={name} value={child} />)
  }
  return (
    <ul className="json-children">
      {items}
      {total > shown ? (
        <li className="json-row">
          <button type="button" className="json-more" onClick={() => setShown((n) => n + CHILDREN_PER_SLICE)}>
            Show {Math.min(CHILDREN_PER_SLICE, total - shown)} more ({(total - shown).toLocaleString()} left)
          </button>
        </li>
      ) : null}
    </ul>
  )
}

/** Props of {@link JsonViewer}. */
export interface JsonViewerProps {
  value: unknown
  /** What the value is, for the controls' labels ('Input of shape'). */
  label: string
}

/** A JSON value as a lazy tree (root open one level), with a 'Raw' toggle; a live update of
 * the run around it does not re-render it unless the value itself changed. */
export const JsonViewer = memo(function JsonViewer({ value, label }: JsonViewerProps) {
  const [raw, setRaw] = useState(false)
  const text = useMemo(() => (raw ? JSON.stringify(value, null, 2) ?? 'undefined' : ''), [raw, value])
  return (
    <div className="json-viewer" role="group" aria-label={label}>
      <div className="json-toolbar">
        <button type="button" className="json-more" aria-pressed={raw} onClick={() => setRaw((r) => !r)}>
          {raw ? 'Show tree' : 'Show raw'}
        </button>
      </div>
      {raw ? (
        <pre className="json-raw" tabIndex={0} aria-label={`${label} as raw JSON`}>
          {text.length > RAW_LIMIT
            ? `${text.slice(0, RAW_LIMIT)}\n… ${(text.length - RAW_LIMIT).toLocaleString()} more characters`
            : text}
        </pre>
      ) : (
        <ul className="json-tree">
          <JsonNode name={null} value={(value === undefined ? null : value) as Json} defaultOpen />
        </ul>
      )}
    </div>
  )
})
