/** The list's filters live in the URL (shareable, and Back undoes a filter). */
import { useCallback, useMemo } from 'react'
import { useSearchParams } from 'react-router'

import { EXECUTION_STATUSES, type ExecutionStatus, type LogFilters, TRIGGERS, type Trigger } from './filters'

const pick = <T extends string>(raw: string | null, allowed: readonly T[]): T[] | undefined => {
  const values = (raw ?? '').split(',').filter((v): v is T => (allowed as readonly string[]).includes(v))
  return values.length ? values : undefined
}

/** Filters from search params; `workflowId` (a page's own workflow) wins over `?workflow=`. */
export function filtersFromParams(params: URLSearchParams, workflowId?: number): LogFilters {
  const workflowParam = Number(params.get('workflow'))
  const filters: LogFilters = {
    workflowId: workflowId ?? (Number.isInteger(workflowParam) && workflowParam > 0 ? workflowParam : undefined),
    status: pick<ExecutionStatus>(params.get('status'), EXECUTION_STATUSES),
    trigger: pick<Trigger>(params.get('trigger'), TRIGGERS),
    since: params.get('since') ?? undefined,
    until: params.get('until') ?? undefined,
    q: params.get('q') ?? undefined,
  }
  // Undefined fields out, so equal filters make equal query keys.
  return Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== undefined)) as LogFilters
}

/** Search params for filters (the page's own workflow is not repeated in the URL). */
export function paramsFromFilters(filters: LogFilters, base: URLSearchParams, fixedWorkflow: boolean): URLSearchParams {
  const next = new URLSearchParams(base)
  const set = (key: string, value: string | undefined) => (value ? next.set(key, value) : next.delete(key))
  set('workflow', fixedWorkflow || filters.workflowId === undefined ? undefined : String(filters.workflowId))
  set('status', filters.status?.join(','))
  set('trigger', filters.trigger?.join(','))
  set('since', filters.since)
  set('until', filters.until)
  set('q', filters.q)
  return next
}

/** [filters, update(patch)] kept in the URL's search params. */
export function useUrlFilters(workflowId?: number): [LogFilters, (patch: Partial<LogFilters>) => void] {
  const [params, setParams] = useSearchParams()
  const key = params.toString()
  // eslint-disable-next-line react-hooks/exhaustive-deps -- the string is the identity of the params
  const filters = useMemo(() => filtersFromParams(params, workflowId), [key, workflowId])
  const update = useCallback((patch: Partial<LogFilters>) => {
    setParams((current) => paramsFromFilters({ ...filtersFromParams(current, workflowId), ...patch }, current,
      workflowId !== undefined), { replace: true })
  }, [setParams, workflowId])
  return [filters, update]
}
