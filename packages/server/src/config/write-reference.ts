/** `npm run docs:config`: rewrites docs/configuration.md from the configuration schema. */
import { writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { renderConfigurationReference } from './reference.js'

const target = resolve(import.meta.dirname, '../../../../docs/configuration.md')
writeFileSync(target, renderConfigurationReference())
console.log(`wrote ${target}`)
