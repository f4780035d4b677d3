import { afterEach, expect, it } from 'vitest'
import type { TestApp } from './test-support/test-app.js'
import { createTestApp } from './test-support/test-app.js'

let harness: TestApp | undefined
afterEach(() => harness?.dispose())

it('drains an in-flight request on stop and refuses new connections', async () => {
  harness = await createTestApp('sqlite')
  let entered: () => void = () => undefined
  const handlerEntered = new Promise<void>((resolve) => (entered = resolve))
  harness.app.server.get('/slow', async () => {
    entered()
    await new Promise((resolve) => setTimeout(resolve, 300))
    return { done: true }
  })
  const url = await harness.app.start()

  const inFlight = fetch(`${url}/slow`)
  await handlerEntered
  const stopped = harness.app.stop()

  const response = await inFlight
  expect(response.status).toBe(200)
  expect(await response.json()).toEqual({ done: true })
  await stopped
  await expect(fetch(`${url}/healthz`)).rejects.toThrow()
})
