// Differential check of our CIDs against JS multiformats + @noble/hashes (run by CidDifferentialTests).
// stdin: JSON {items: [{data: hex, code: number, ours: string}], extra: number}
// stdout: JSON {items: [{cid, parsedCode, parsedDigest}], generated: [{data, code, cid}]}
import { CID } from 'multiformats/cid'
import { from } from 'multiformats/hashes/hasher'
import { base32 } from 'multiformats/bases/base32'
import { blake3 } from '@noble/hashes/blake3.js'
import { randomBytes } from 'node:crypto'

const hasher = from({ name: 'blake3', code: 0x1e, encode: (b) => blake3(b) })
const chunks = []
for await (const c of process.stdin) chunks.push(c)
const input = JSON.parse(Buffer.concat(chunks).toString('utf8'))
const hex = (b) => Buffer.from(b).toString('hex')

const items = []
for (const item of input.items) {
  const digest = await hasher.digest(Buffer.from(item.data, 'hex'))
  const cid = CID.createV1(item.code, digest).toString(base32)
  const parsed = CID.parse(item.ours)
  items.push({ cid, parsedCode: parsed.code, parsedHash: parsed.multihash.code, parsedDigest: hex(parsed.multihash.digest) })
}
const codes = [0x55, 0x80, 0x300c01]
const generated = []
for (let i = 0; i < input.extra; i++) {
  const data = randomBytes(Math.floor(Math.random() * 3000))
  const code = codes[i % codes.length]
  generated.push({ data: hex(data), code, cid: CID.createV1(code, await hasher.digest(data)).toString(base32) })
}
process.stdout.write(JSON.stringify({ items, generated }))
