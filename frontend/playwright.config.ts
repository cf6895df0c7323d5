/**
 * End-to-end suite against the real app, in Debian's Chromium.
 * - project `embedded`: `flask serve` + in-process worker and ticker on a temporary SQLite file;
 * - project `services`: gunicorn + dramatiq on PostgreSQL + Redis (only when DATABASE_URL
 *   and REDIS_URL are set), on a database of its own that e2e/serve.sh creates and drops.
 * Both serve the production build (`npm run build` first).
 */
import { defineConfig, devices } from '@playwright/test'

const EMBEDDED_PORT = Number(process.env.E2E_EMBEDDED_PORT ?? 5181)
const SERVICES_PORT = Number(process.env.E2E_SERVICES_PORT ?? 5182)
const withServices = Boolean(process.env.DATABASE_URL && process.env.REDIS_URL)

const chromium = {
  ...devices['Desktop Chrome'],
  launchOptions: {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run'],
  },
}

const server = (mode: 'embedded' | 'services', port: number) => ({
  command: `bash e2e/serve.sh ${mode} ${port}`,
  url: `http://127.0.0.1:${port}/readyz`,
  reuseExistingServer: false,
  timeout: 90_000,
  stdout: 'ignore' as const,
  // The app's request log only when asked for (E2E_SERVER_LOG=1).
  stderr: (process.env.E2E_SERVER_LOG ? 'pipe' : 'ignore') as 'pipe' | 'ignore',
  gracefulShutdown: { signal: 'SIGTERM' as const, timeout: 10_000 },
})

export default defineConfig({
  testDir: './e2e',
  outputDir: './test-results/artifacts',
  // Two cores shared with the app under test and its worker.
  workers: 1,
  fullyParallel: false,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [['list'], ['html', { outputFolder: './test-results/report', open: 'never' }]],
  use: {
    headless: true,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    { name: 'embedded', use: { ...chromium, baseURL: `http://127.0.0.1:${EMBEDDED_PORT}` } },
    ...(withServices ? [{ name: 'services', use: { ...chromium, baseURL: `http://127.0.0.1:${SERVICES_PORT}` } }] : []),
  ],
  webServer: [
    server('embedded', EMBEDDED_PORT),
    ...(withServices ? [server('services', SERVICES_PORT)] : []),
  ],
})
