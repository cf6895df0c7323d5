/** The route table: every screen is its own lazy chunk (the editor's code loads only there). */
import { lazy, Suspense } from 'react'
import { createBrowserRouter, type RouteObject } from 'react-router'

import { PageLoader } from '../components/PageLoader'
import { AppShell } from './AppShell'
import { NotFoundPage } from './NotFoundPage'
import { ProtectedRoute } from './ProtectedRoute'

const LoginPage = lazy(() => import('../features/auth/components/LoginPage'))
const RegisterPage = lazy(() => import('../features/auth/components/RegisterPage'))
const DashboardPage = lazy(() => import('../features/workflows/components/DashboardPage'))
const EditorPage = lazy(() => import('../features/editor/EditorPage'))
const WorkflowLogsPage = lazy(() => import('../features/logs/WorkflowLogsPage'))
const ExecutionDetailPage = lazy(() => import('../features/logs/ExecutionDetailPage'))
const RunsPage = lazy(() => import('../features/runs/RunsPage'))

export const routes: RouteObject[] = [
  { path: '/login', element: <Suspense fallback={<PageLoader />}><LoginPage /></Suspense> },
  { path: '/register', element: <Suspense fallback={<PageLoader />}><RegisterPage /></Suspense> },
  {
    element: <ProtectedRoute><AppShell /></ProtectedRoute>,
    children: [
      { index: true, element: <DashboardPage /> },
      { path: 'workflows/new', element: <EditorPage /> },
      { path: 'workflows/:id', element: <EditorPage /> },
      { path: 'workflows/:id/logs', element: <WorkflowLogsPage /> },
      { path: 'logs/:id', element: <ExecutionDetailPage /> },
      { path: 'runs', element: <RunsPage /> },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
]

/** The app's router (browser history). */
export function createRouter() {
  return createBrowserRouter(routes)
}
