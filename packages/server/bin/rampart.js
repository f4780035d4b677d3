#!/usr/bin/env node
// The `rampart` command. The TypeScript sources are compiled to dist/ by `npm ci` (prepare).
/* global process */
import { runCli } from '../dist/main.js'

await runCli(process.argv)
