/** Ready-to-paste shell commands for calling a workflow's webhook. */

/** The header a signed webhook call carries (automateos/workflows/webhooks.py). */
export const SIGNATURE_HEADER = 'X-AutomateOS-Signature'

/** Quote a string for a POSIX shell (single quotes, embedded ones escaped). */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`
}

/**
 * A `curl` call that sends `payload` as JSON to `url`. With `signed`, the body is signed
 * with HMAC-SHA256 by openssl from `$WEBHOOK_SECRET`, as the webhook's `secret` requires.
 */
export function curlExample(url: string, payload: unknown = { hello: 'world' }, signed = false): string {
  const body = shellQuote(JSON.stringify(payload))
  if (!signed) {
    return `curl -X POST ${shellQuote(url)} \\\n  -H 'Content-Type: application/json' \\\n  -d ${body}`
  }
  return [
    `BODY=${body}`,
    `SIG=$(printf '%s' "$BODY" | openssl dgst -sha256 -hmac "$WEBHOOK_SECRET" -r | cut -d' ' -f1)`,
    `curl -X POST ${shellQuote(url)} \\\n  -H 'Content-Type: application/json' \\\n  -H "${SIGNATURE_HEADER}: sha256=$SIG" \\\n  -d "$BODY"`,
  ].join('\n')
}
