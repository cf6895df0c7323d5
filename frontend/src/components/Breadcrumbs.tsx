/**
 * Breadcrumbs: a page declares its trail with `useBreadcrumbs([...])`; the AppShell shows it.
 * e.g. `useBreadcrumbs([{ label: 'Dashboard', to: '/' }, { label: wf.name, to: `/workflows/${id}` }, { label: 'Logs' }])`
 */
import { Breadcrumb } from '@chakra-ui/react'
import { createContext, Fragment, type ReactNode, useContext, useEffect, useState } from 'react'
import { Link } from 'react-router'

export interface Crumb {
  label: string
  /** Omitted on the last crumb (the current page). */
  to?: string
}

type SetCrumbs = (crumbs: Crumb[]) => void

const CrumbsContext = createContext<{ crumbs: Crumb[]; setCrumbs: SetCrumbs }>({ crumbs: [], setCrumbs: () => {} })

/** Holds the current page's trail. */
export function BreadcrumbsProvider({ children }: { children: ReactNode }) {
  const [crumbs, setCrumbs] = useState<Crumb[]>([])
  return <CrumbsContext.Provider value={{ crumbs, setCrumbs }}>{children}</CrumbsContext.Provider>
}

/** Declare the current page's trail (cleared when the page unmounts). */
export function useBreadcrumbs(crumbs: Crumb[]): void {
  const { setCrumbs } = useContext(CrumbsContext)
  const key = JSON.stringify(crumbs)
  useEffect(() => {
    setCrumbs(JSON.parse(key) as Crumb[])
    return () => setCrumbs([])
  }, [key, setCrumbs])
}

/** The trail, as a nav landmark. */
export function Breadcrumbs() {
  const { crumbs } = useContext(CrumbsContext)
  if (crumbs.length === 0) return null
  return (
    <Breadcrumb.Root aria-label="Breadcrumb" size="sm">
      <Breadcrumb.List flexWrap="wrap">
        {crumbs.map((crumb, index) => {
          const last = index === crumbs.length - 1
          return (
            <Fragment key={`${index}-${crumb.label}`}>
              <Breadcrumb.Item>
                {last || !crumb.to ? (
                  <Breadcrumb.CurrentLink aria-current={last ? 'page' : undefined}>{crumb.label}</Breadcrumb.CurrentLink>
                ) : (
                  <Breadcrumb.Link asChild>
                    <Link to={crumb.to}>{crumb.label}</Link>
                  </Breadcrumb.Link>
                )}
              </Breadcrumb.Item>
              {!last && <Breadcrumb.Separator />}
            </Fragment>
          )
        })}
      </Breadcrumb.List>
    </Breadcrumb.Root>
  )
}
