import { describe, expect, it } from 'vitest'

import { END, PENDING, Peekable } from './peekable.js'

async function* asyncItems(): AsyncGenerator<number> {
  for (const item of [1, 2]) yield await Promise.resolve(item)
}

describe('Peekable', () => {
  it('hands out a synchronous source without promises, lookahead included', async () => {
    const stream = new Peekable([1, 2, 3])

    expect(stream.nextSync()).toBe(1)
    expect(await stream.peek()).toBe(2)
    expect(stream.nextSync()).toBe(2)
    expect(await stream.next()).toBe(3)
    expect(stream.nextSync()).toBe(END)
  })

  it('asks to await an asynchronous source, except for an item already peeked', async () => {
    const stream = new Peekable(asyncItems())

    expect(stream.nextSync()).toBe(PENDING)
    expect(await stream.next()).toBe(1)
    expect(await stream.peek()).toBe(2)
    expect(stream.nextSync()).toBe(2)
    expect(stream.nextSync()).toBe(PENDING)
    expect(await stream.next()).toBe(END)
  })
})
