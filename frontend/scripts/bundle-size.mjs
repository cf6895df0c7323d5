// What a first visit downloads, gzip: the entry chunk with everything it imports statically,
// plus the lazy chunk of the route (and its static imports). Reads Vite's build manifest.
// Usage: npm run build && npm run size [-- --max-kb 300]
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist')
const manifest = JSON.parse(readFileSync(join(dist, '.vite', 'manifest.json'), 'utf8'))

const ROUTES = {
  '/ (dashboard)': 'src/features/workflows/components/DashboardPage.tsx',
  '/login': 'src/features/auth/components/LoginPage.tsx',
  '/workflows/:id (editor)': 'src/features/editor/EditorPage.tsx',
  '/workflows/:id/logs': 'src/features/logs/WorkflowLogsPage.tsx',
  '/logs/:id': 'src/features/logs/ExecutionDetailPage.tsx',
  '/runs': 'src/features/runs/RunsPage.tsx',
}

/** Every file a manifest entry loads before it runs: itself, its static imports, their CSS. */
function closure(key, files = new Set()) {
  const entry = manifest[key]
  if (!entry || files.has(entry.file)) return files
  files.add(entry.file)
  for (const css of entry.css ?? []) files.add(css)
  for (const imported of entry.imports ?? []) closure(imported, files)
  return files
}

const gzipBytes = (file) => gzipSync(readFileSync(join(dist, file)), { level: 9 }).length
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`
const entryKey = Object.keys(manifest).find((key) => manifest[key].isEntry)
const shell = closure(entryKey)

const rows = Object.entries(ROUTES).map(([route, source]) => {
  const files = closure(source, new Set(shell))
  return { route, files: files.size, gzip: [...files].reduce((sum, f) => sum + gzipBytes(f), 0) }
})
for (const row of rows) console.log(`${row.route.padEnd(26)} ${kb(row.gzip).padStart(10)} gzip  (${row.files} files)`)

const maxIndex = process.argv.indexOf('--max-kb')
if (maxIndex > 0) {
  const max = Number(process.argv[maxIndex + 1]) * 1024
  const initial = rows[0]
  if (initial.gzip > max) {
    console.error(`initial route ${kb(initial.gzip)} gzip is over ${kb(max)}`)
    process.exit(1)
  }
}
